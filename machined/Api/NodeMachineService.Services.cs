using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Services;
using ServiceEvent = Talos.Api.Machine.ServiceEvent;

namespace Talos.Machined.Api;

public sealed partial class NodeMachineService
{
    /// <summary>Every service unit with its state, last 64 events and health (upstream's shape).</summary>
    public override Task<ServiceListResponse> ServiceList(Empty request, ServerCallContext context)
    {
        var item = new Talos.Api.Machine.ServiceList { Metadata = ResponseMetadata.For(context) };
        foreach (var s in node.Services?.List() ?? [])
            item.Services.Add(ToInfo(s));
        return Task.FromResult(new ServiceListResponse { Messages = { item } });
    }

    /// <summary>Starts a service (NotFound for an unknown id).</summary>
    public override async Task<ServiceStartResponse> ServiceStart(ServiceStartRequest request, ServerCallContext context)
    {
        var s = Supervisor(request.Id);
        s.Start(request.Id);
        await RecordServiceAsync(s, request.Id, context.CancellationToken);
        return new ServiceStartResponse { Messages = { new ServiceStart { Metadata = ResponseMetadata.For(context), Resp = $"Service \"{request.Id}\" started" } } };
    }

    /// <summary>Stops a service (NotFound for an unknown id).</summary>
    public override async Task<ServiceStopResponse> ServiceStop(ServiceStopRequest request, ServerCallContext context)
    {
        var s = Supervisor(request.Id);
        s.Stop(request.Id);
        await RecordServiceAsync(s, request.Id, context.CancellationToken);
        return new ServiceStopResponse { Messages = { new ServiceStop { Metadata = ResponseMetadata.For(context), Resp = $"Service \"{request.Id}\" stopped" } } };
    }

    /// <summary>Stops then starts a service (NotFound for an unknown id).</summary>
    public override async Task<ServiceRestartResponse> ServiceRestart(ServiceRestartRequest request, ServerCallContext context)
    {
        var s = Supervisor(request.Id);
        s.Stop(request.Id);
        s.Start(request.Id);
        await RecordServiceAsync(s, request.Id, context.CancellationToken);
        return new ServiceRestartResponse { Messages = { new ServiceRestart { Metadata = ResponseMetadata.For(context), Resp = $"Service \"{request.Id}\" restarted" } } };
    }

    /// <summary>Sets a META key (0..255) through the node's log (event MetaKeySet).</summary>
    public override async Task<MetaWriteResponse> MetaWrite(MetaWriteRequest request, ServerCallContext context)
    {
        CheckMetaKey(request.Key);
        await locks.Meta.WaitAsync(context.CancellationToken);
        try { await node.Journal.AppendAsync("", "", e => e.MetaKeySet = new MetaKeySet { Key = request.Key, Value = request.Value }, context.CancellationToken); }
        finally { locks.Meta.Release(); }
        return new MetaWriteResponse { Messages = { new Talos.Api.Machine.MetaWrite { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>Deletes a META key (NotFound when it is not set).</summary>
    public override async Task<MetaDeleteResponse> MetaDelete(MetaDeleteRequest request, ServerCallContext context)
    {
        CheckMetaKey(request.Key);
        await locks.Meta.WaitAsync(context.CancellationToken);
        try
        {
            if (!node.State.Meta.ContainsKey(request.Key)) throw new MetaKeyNotFoundException(request.Key);
            await node.Journal.AppendAsync("", "", e => e.MetaKeyDeleted = new MetaKeyDeleted { Key = request.Key }, context.CancellationToken);
        }
        finally { locks.Meta.Release(); }
        return new MetaDeleteResponse { Messages = { new Talos.Api.Machine.MetaDelete { Metadata = ResponseMetadata.For(context) } } };
    }

    /// <summary>Issues a client certificate for <c>roles</c> from the config's OS CA, with a talosconfig for it.</summary>
    public override Task<GenerateClientConfigurationResponse> GenerateClientConfiguration(GenerateClientConfigurationRequest request, ServerCallContext context)
    {
        var config = node.Config ?? throw new Talos.Machined.Runtime.NodeNotReadyException("the node has no machine config, so it has no CA to issue client certificates from");
        var unknown = request.Roles.Where(r => !Roles.All.Contains(r, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0) throw new InvalidApiRequestException("roles", $"unknown roles [{string.Join(", ", unknown)}]; known: {string.Join(", ", Roles.All)}");
        if (request.Roles.Count == 0) throw new InvalidApiRequestException("roles", "at least one role is required (e.g. os:admin)");
        var ttl = request.CrtTtl?.ToTimeSpan() ?? TimeSpan.Zero;
        if (ttl <= TimeSpan.Zero) throw new InvalidApiRequestException("crt_ttl", "crt_ttl should be positive");
        var ca = NodePki.CaOf(config);
        var issued = ca.IssueClient(pki, request.Roles, ttl, "talosctl");
        var talosconfig = Talosconfig(config.Cluster?.ClusterName is { Length: > 0 } n ? n : "talos", node.Address, ca.CertificatePem, issued);
        return Task.FromResult(new GenerateClientConfigurationResponse
        {
            Messages =
            {
                new GenerateClientConfiguration
                {
                    Metadata = ResponseMetadata.For(context),
                    Ca = ByteString.CopyFromUtf8(ca.CertificatePem),
                    Crt = ByteString.CopyFromUtf8(issued.CertificatePem),
                    Key = ByteString.CopyFromUtf8(issued.KeyPem),
                    Talosconfig = ByteString.CopyFromUtf8(talosconfig),
                },
            },
        });
    }

    /// <summary>upstream talosconfig YAML: one context named after the cluster, base64 PEMs.</summary>
    internal static string Talosconfig(string context, string endpoint, string caPem, IssuedCertificate client)
    {
        static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
        return $"context: {context}\ncontexts:\n    {context}:\n        endpoints:\n            - {endpoint}\n        nodes:\n            - {endpoint}\n" +
               $"        ca: {B64(caPem)}\n        crt: {B64(client.CertificatePem)}\n        key: {B64(client.KeyPem)}\n";
    }

    private static void CheckMetaKey(uint key)
    {
        if (key > 0xFF) throw new InvalidApiRequestException("key", $"META keys are 0..255 (0x00..0xff), got {key}");
        if (key == Talos.Core.State.NodeState.NodeKeyMetaKey)
            throw new InvalidApiRequestException("key", $"META key 0x{key:x2} records the node's signing key (issue #22) and is written by the node only");
    }

    private ServiceSupervisor Supervisor(string id)
    {
        var s = node.Services;
        if (s?.Find(id) is null) throw new ServiceNotFoundException(id, s?.List().Select(x => x.Id).ToList() ?? []);
        return s;
    }

    /// <summary>The change an operator made is part of the node's history (event ServiceStateChanged).</summary>
    private async Task RecordServiceAsync(ServiceSupervisor s, string id, CancellationToken ct)
    {
        var snap = s.Find(id)!.Snapshot();
        await node.Journal.AppendAsync("", "", e => e.ServiceStateChanged = new ServiceStateChanged
        {
            Service = id, State = ToEventState(snap.State), Healthy = snap.Healthy,
            Message = snap.Events.Count == 0 ? "" : snap.Events[^1].Message,
        }, ct);
    }

    internal static Talos.Api.Events.ServiceState ToEventState(Talos.Machined.Services.ServiceState s) => s switch
    {
        Talos.Machined.Services.ServiceState.Initialized => Talos.Api.Events.ServiceState.Initialized,
        Talos.Machined.Services.ServiceState.Preparing => Talos.Api.Events.ServiceState.Preparing,
        Talos.Machined.Services.ServiceState.Waiting => Talos.Api.Events.ServiceState.Waiting,
        Talos.Machined.Services.ServiceState.Running => Talos.Api.Events.ServiceState.Running,
        Talos.Machined.Services.ServiceState.Stopping => Talos.Api.Events.ServiceState.Stopping,
        Talos.Machined.Services.ServiceState.Finished => Talos.Api.Events.ServiceState.Finished,
        Talos.Machined.Services.ServiceState.Failed => Talos.Api.Events.ServiceState.Failed,
        Talos.Machined.Services.ServiceState.Skipped => Talos.Api.Events.ServiceState.Skipped,
        _ => Talos.Api.Events.ServiceState.Starting,
    };

    internal static ServiceInfo ToInfo(ServiceSnapshot s)
    {
        var info = new ServiceInfo
        {
            Id = s.Id,
            State = s.State.ToString(),
            Events = new ServiceEvents(),
            Health = new ServiceHealth
            {
                Unknown = s.HealthUnknown, Healthy = s.Healthy, LastMessage = s.LastHealthMessage,
                LastChange = Timestamp.FromDateTimeOffset(s.LastHealthChange),
            },
        };
        foreach (var e in s.Events)
            info.Events.Events.Add(new ServiceEvent { Msg = e.Message, State = e.State.ToString(), Ts = Timestamp.FromDateTimeOffset(e.Time) });
        return info;
    }
}
