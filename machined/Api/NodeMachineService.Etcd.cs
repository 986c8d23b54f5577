using Grpc.Core;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Machined.Runtime;

namespace Talos.Machined.Api;

public sealed partial class NodeMachineService
{
    /// <summary>
    /// Bootstraps the (simulated) etcd cluster on this control plane: recorded as BootstrapDone in the node's log, so
    /// a second bootstrap (even after a reboot) is AlreadyExists until a reset wipes etcd's data.
    /// </summary>
    public override async Task<BootstrapResponse> Bootstrap(BootstrapRequest request, ServerCallContext context)
    {
        RequireEtcd("bootstrap");
        if (request.RecoverEtcd) throw new InvalidApiRequestException("recover_etcd", "etcd recovery from a snapshot is not supported by this node");
        await locks.Etcd.WaitAsync(context.CancellationToken);
        try
        {
            if (node.State.Bootstrapped) throw new AlreadyBootstrappedException(node.State.ClusterName);
            var cluster = node.Config?.Cluster?.ClusterName ?? "";
            await node.Journal.AppendAsync("", "", e => e.BootstrapDone = new BootstrapDone { ClusterName = cluster }, context.CancellationToken);
            node.Kernel.Talos($"etcd bootstrapped for cluster \"{cluster}\"");
        }
        finally { locks.Etcd.Release(); }
        return new BootstrapResponse { Messages = { new Bootstrap { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>This control plane's etcd member (the node runs a single simulated member).</summary>
    public override Task<EtcdMemberListResponse> EtcdMemberList(EtcdMemberListRequest request, ServerCallContext context)
    {
        RequireEtcd("etcd member list");
        var item = new EtcdMembers { Metadata = ResponseMetadata.For(context) };
        if (node.State.Bootstrapped)
        {
            var name = node.Config?.Machine?.Network?.Hostname is { Length: > 0 } h ? h : node.Address;
            item.Members.Add(new EtcdMember
            {
                Id = MemberId(node.State.DiskGuid.Length > 0 ? node.State.DiskGuid : node.Address),
                Hostname = name,
                PeerUrls = { $"https://{node.Address}:2380" },
                ClientUrls = { $"https://{node.Address}:2379" },
            });
            item.LegacyMembers.Add(name);
        }
        return Task.FromResult(new EtcdMemberListResponse { Messages = { item } });
    }

    private void RequireEtcd(string operation)
    {
        if (node.Stage != NodeStage.Running) throw new NodeNotReadyException($"{operation} needs a running node; the node is {node.Stage}");
        if (!node.IsControlPlane) throw new NotControlPlaneException(operation, node.Config?.Machine?.Type ?? "");
        if (node.Services?.Find("etcd")?.State is not Talos.Machined.Services.ServiceState.Running)
            throw new NodeNotReadyException($"{operation}: the etcd service is not running (talosctl service etcd shows why)");
    }

    /// <summary>A stable member id (FNV-1a 64 of the node's disk GUID): etcd ids are random uint64s upstream.</summary>
    internal static ulong MemberId(string seed)
    {
        var h = 14695981039346656037UL;
        foreach (var c in seed) { h ^= c; h *= 1099511628211UL; }
        return h;
    }
}
