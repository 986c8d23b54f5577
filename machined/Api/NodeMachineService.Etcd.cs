using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Common;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Machined.Etcd;
using Talos.Machined.Runtime;

namespace Talos.Machined.Api;

public sealed partial class NodeMachineService
{
    private const int SnapshotChunk = 64 * 1024;
    private const long MaxRecoverBytes = 256L << 20;

    private string ClusterName => node.Config?.Cluster?.ClusterName ?? "";

    /// <summary>
    /// Bootstraps etcd on this control plane (a one-member cluster), or with recover_etcd restores it from the snapshot
    /// uploaded by EtcdRecover (checked with its SHA-256 trailer unless recover_skip_hash_check). Recorded as
    /// BootstrapDone in the node's log. AlreadyExists when this node holds etcd data (bootstrapped or joined).
    /// </summary>
    public override async Task<BootstrapResponse> Bootstrap(BootstrapRequest request, ServerCallContext context)
    {
        RequireEtcd("bootstrap");
        await locks.Etcd.WaitAsync(context.CancellationToken);
        try
        {
            await node.Etcd.BootstrapAsync(request.RecoverEtcd, request.RecoverSkipHashCheck, ClusterName, context.CancellationToken);
            await node.Journal.AppendAsync("", "", e => e.BootstrapDone = new BootstrapDone { ClusterName = ClusterName }, context.CancellationToken);
        }
        finally { locks.Etcd.Release(); }
        return new BootstrapResponse { Messages = { new Bootstrap { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>The member list as this member holds it (replicated from the leader, so every member agrees).</summary>
    public override Task<EtcdMemberListResponse> EtcdMemberList(EtcdMemberListRequest request, ServerCallContext context)
    {
        RequireEtcd("etcd member list");
        var item = new EtcdMembers { Metadata = ResponseMetadata.For(context) };
        foreach (var m in node.Etcd.Local()?.Members ?? [])
        {
            item.Members.Add(new EtcdMember { Id = m.Id, Hostname = m.Name, PeerUrls = { m.PeerUrl }, ClientUrls = { m.ClientUrl }, IsLearner = m.IsLearner });
            item.LegacyMembers.Add(m.Name);
        }
        return Task.FromResult(new EtcdMemberListResponse { Messages = { item } });
    }

    /// <summary>A consistent snapshot of the local etcd data with a SHA-256 trailer (specs/formats/etcd-data.md), in 64 KiB chunks.</summary>
    public override async Task EtcdSnapshot(EtcdSnapshotRequest request, IServerStreamWriter<Data> responseStream, ServerCallContext context)
    {
        RequireEtcd("etcd snapshot");
        var snapshot = await node.Etcd.SnapshotAsync(context.CancellationToken);
        var md = ResponseMetadata.For(context);
        for (var off = 0; off < snapshot.Length; off += SnapshotChunk)
            await responseStream.WriteAsync(new Data { Metadata = md, Bytes = ByteString.CopyFrom(snapshot, off, Math.Min(SnapshotChunk, snapshot.Length - off)) }, context.CancellationToken);
    }

    /// <summary>Uploads a snapshot for a later Bootstrap{recover_etcd}; stored on EPHEMERAL, checked at bootstrap.</summary>
    public override async Task<EtcdRecoverResponse> EtcdRecover(IAsyncStreamReader<Data> requestStream, ServerCallContext context)
    {
        RequireEtcd("etcd recover");
        using var buffer = new MemoryStream();
        await foreach (var chunk in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (buffer.Length + chunk.Bytes.Length > MaxRecoverBytes)
                throw new InvalidEtcdSnapshotException($"larger than {MaxRecoverBytes >> 20} MiB");
            buffer.Write(chunk.Bytes.Span);
        }
        await node.Etcd.StoreRecoverySnapshotAsync(buffer.ToArray(), ClusterName, context.CancellationToken);
        return new EtcdRecoverResponse { Messages = { new EtcdRecover { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>Removes a member by id (for members whose node is gone; a running node should use EtcdLeaveCluster).</summary>
    public override async Task<EtcdRemoveMemberByIDResponse> EtcdRemoveMemberByID(EtcdRemoveMemberByIDRequest request, ServerCallContext context)
    {
        RequireEtcd("etcd remove-member");
        if (request.MemberId == 0) throw new InvalidApiRequestException("member_id", "a member id is required (talosctl etcd members lists them)");
        await node.Etcd.RemoveMemberAsync(request.MemberId, context.CancellationToken);
        return new EtcdRemoveMemberByIDResponse { Messages = { new EtcdRemoveMemberByID { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>This node leaves the etcd cluster (leadership handed over first) and stops its etcd service.</summary>
    public override async Task<EtcdLeaveClusterResponse> EtcdLeaveCluster(EtcdLeaveClusterRequest request, ServerCallContext context)
    {
        RequireEtcd("etcd leave");
        await node.Etcd.LeaveAsync(context.CancellationToken);
        return new EtcdLeaveClusterResponse { Messages = { new EtcdLeaveCluster { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>Moves leadership to another healthy voter when this member leads; member = the new leader ("" when it did not lead).</summary>
    public override async Task<EtcdForfeitLeadershipResponse> EtcdForfeitLeadership(EtcdForfeitLeadershipRequest request, ServerCallContext context)
    {
        RequireEtcd("etcd forfeit-leadership");
        var leader = await node.Etcd.ForfeitLeadershipAsync(context.CancellationToken);
        return new EtcdForfeitLeadershipResponse { Messages = { new EtcdForfeitLeadership { Metadata = ResponseMetadata.For(context), Member = leader } } };
    }

    private void RequireEtcd(string operation)
    {
        if (node.Stage != NodeStage.Running) throw new NodeNotReadyException($"{operation} needs a running node; the node is {node.Stage}");
        if (!node.IsControlPlane) throw new NotControlPlaneException(operation, node.Config?.Machine?.Type ?? "");
        if (node.Services?.Find("etcd")?.State is not Talos.Machined.Services.ServiceState.Running)
            throw new NodeNotReadyException($"{operation}: the etcd service is not running (talosctl service etcd shows why)");
    }
}
