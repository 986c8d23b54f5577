using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Data = Talos.Api.Common.Data;
using Empty = Google.Protobuf.WellKnownTypes.Empty;
using Metadata = Talos.Api.Common.Metadata;
using Talos.Api.Events;
using Talos.Api.Machine;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// A test machine.MachineService with canned but realistic replies, recording what it was asked. Events are served
/// from <see cref="EventStreams"/>: each call takes the next script (events, then end or drop).
/// </summary>
public sealed class FakeMachineService(string hostname) : MachineService.MachineServiceBase
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    public string? DenyAll { get; set; }

    /// <summary>When set, every call is answered with this status by the node itself (after TLS, as machined's handlers would).</summary>
    public Status? FailAll { get; set; }
    public ConcurrentBag<string> NodeHeaders { get; } = [];
    public ConcurrentQueue<IMessage> Requests { get; } = new();
    public List<ServiceInfo> Services { get; } = [];
    public List<string> LogChunks { get; } = [];
    public byte[] Snapshot { get; set; } = [];
    public byte[] Recovered { get; private set; } = [];
    public List<EtcdMember> Members { get; } = [];
    public ConcurrentQueue<EventScript> EventStreams { get; } = new();
    public ConcurrentQueue<EventsRequest> EventRequests { get; } = new();
    public string ModeDetails { get; set; } = "Applied configuration without a reboot";

    /// <summary>One Events call: the events to send, then either end the stream or drop it with Unavailable.</summary>
    public sealed record EventScript(IReadOnlyList<Event> Events, bool Drop = false);

    public override Task<VersionResponse> Version(Empty request, ServerCallContext context) => Task.FromResult(new VersionResponse
    {
        Messages =
        {
            new Api.Machine.Version
            {
                Metadata = Meta(context),
                Version_ = new Api.Machine.VersionInfo { Tag = "v1.2.0", Sha = "abc1234", Built = "", GoVersion = ".NET 10.0.0", Os = "linux", Arch = "amd64" },
                Platform = new PlatformInfo { Name = "metal", Mode = "metal" },
                Features = new FeaturesInfo { Rbac = true },
            },
        },
    });

    public override Task<ApplyConfigurationResponse> ApplyConfiguration(ApplyConfigurationRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new ApplyConfigurationResponse
        {
            Messages = { new ApplyConfiguration { Metadata = Meta(context), Mode = request.Mode, ModeDetails = ModeDetails, Warnings = { "machine.install.disk is deprecated" } } },
        });
    }

    public override Task<UpgradeResponse> Upgrade(UpgradeRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new UpgradeResponse { Messages = { new Talos.Api.Machine.Upgrade { Metadata = Meta(context), Ack = "Upgrade request received", ActorId = "upgrade-7" } } });
    }

    public override Task<ResetResponse> Reset(ResetRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new ResetResponse { Messages = { new Reset { Metadata = Meta(context), ActorId = "reset-3" } } });
    }

    public override Task<RebootResponse> Reboot(RebootRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new RebootResponse { Messages = { new Reboot { Metadata = Meta(context), ActorId = "reboot-1" } } });
    }

    public override Task<ShutdownResponse> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new ShutdownResponse { Messages = { new Shutdown { Metadata = Meta(context), ActorId = "shutdown-1" } } });
    }

    public override Task<RollbackResponse> Rollback(RollbackRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new RollbackResponse { Messages = { new Rollback { Metadata = Meta(context) } } });
    }

    public override Task<BootstrapResponse> Bootstrap(BootstrapRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new BootstrapResponse { Messages = { new Bootstrap { Metadata = Meta(context) } } });
    }

    public override async Task<EtcdRecoverResponse> EtcdRecover(IAsyncStreamReader<Data> requestStream, ServerCallContext context)
    {
        var all = new MemoryStream();
        await foreach (var d in requestStream.ReadAllAsync()) d.Bytes.WriteTo(all);
        Recovered = all.ToArray();
        return new EtcdRecoverResponse { Messages = { new EtcdRecover { Metadata = Meta(context) } } };
    }

    /// <summary>How many ServiceList calls were answered (a test changes a service after the client has seen it).</summary>
    public int ServiceListCalls => _serviceListCalls;
    private int _serviceListCalls;

    public override Task<ServiceListResponse> ServiceList(Empty request, ServerCallContext context)
    {
        Interlocked.Increment(ref _serviceListCalls);
        return Task.FromResult(new ServiceListResponse { Messages = { new ServiceList { Metadata = Meta(context), Services = { Services } } } });
    }

    public override Task<ServiceRestartResponse> ServiceRestart(ServiceRestartRequest request, ServerCallContext context) =>
        Task.FromResult(new ServiceRestartResponse { Messages = { new ServiceRestart { Metadata = Meta(context), Resp = $"Service \"{request.Id}\" restarted" } } });

    public override Task<ServiceStopResponse> ServiceStop(ServiceStopRequest request, ServerCallContext context) =>
        Task.FromResult(new ServiceStopResponse { Messages = { new ServiceStop { Metadata = Meta(context), Resp = $"Service \"{request.Id}\" stopped" } } });

    public override async Task Logs(LogsRequest request, IServerStreamWriter<Data> responseStream, ServerCallContext context)
    {
        Requests.Enqueue(request);
        if (request.Id != "machined") throw new RpcException(new Status(StatusCode.NotFound, $"service \"{request.Id}\" has no log"));
        foreach (var c in LogChunks) await responseStream.WriteAsync(new Data { Bytes = ByteString.CopyFromUtf8(c) });
    }

    public override async Task Dmesg(DmesgRequest request, IServerStreamWriter<Data> responseStream, ServerCallContext context)
    {
        Requests.Enqueue(request);
        foreach (var c in LogChunks) await responseStream.WriteAsync(new Data { Bytes = ByteString.CopyFromUtf8(c) });
    }

    public override async Task Events(EventsRequest request, IServerStreamWriter<Event> responseStream, ServerCallContext context)
    {
        EventRequests.Enqueue(request);
        // TailEvents = 1 is the --wait starting point probe: answer with the newest event before the operation.
        if (!EventStreams.TryDequeue(out var script)) throw new RpcException(new Status(StatusCode.Unavailable, "no more scripted event streams"));
        await responseStream.WriteAsync(new Event());   // upstream's empty "hello" event
        foreach (var e in script.Events) await responseStream.WriteAsync(e);
        if (script.Drop) throw new RpcException(new Status(StatusCode.Unavailable, "node is rebooting"));
    }

    public override Task<EtcdMemberListResponse> EtcdMemberList(EtcdMemberListRequest request, ServerCallContext context) =>
        Task.FromResult(new EtcdMemberListResponse { Messages = { new EtcdMembers { Metadata = Meta(context), Members = { Members } } } });

    public override Task<EtcdRemoveMemberByIDResponse> EtcdRemoveMemberByID(EtcdRemoveMemberByIDRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        if (Members.All(m => m.Id != request.MemberId)) throw new RpcException(new Status(StatusCode.NotFound, $"etcd member {request.MemberId:x} not found"));
        return Task.FromResult(new EtcdRemoveMemberByIDResponse { Messages = { new EtcdRemoveMemberByID { Metadata = Meta(context) } } });
    }

    public override Task<EtcdLeaveClusterResponse> EtcdLeaveCluster(EtcdLeaveClusterRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new EtcdLeaveClusterResponse { Messages = { new EtcdLeaveCluster { Metadata = Meta(context) } } });
    }

    public override Task<EtcdForfeitLeadershipResponse> EtcdForfeitLeadership(EtcdForfeitLeadershipRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new EtcdForfeitLeadershipResponse { Messages = { new EtcdForfeitLeadership { Metadata = Meta(context), Member = "cp-2" } } });
    }

    public override async Task EtcdSnapshot(EtcdSnapshotRequest request, IServerStreamWriter<Data> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < Snapshot.Length; i += 1000)
            await responseStream.WriteAsync(new Data { Bytes = ByteString.CopyFrom(Snapshot.AsSpan(i, Math.Min(1000, Snapshot.Length - i))) });
    }

    public override Task<MetaWriteResponse> MetaWrite(MetaWriteRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        return Task.FromResult(new MetaWriteResponse { Messages = { new MetaWrite { Metadata = Meta(context) } } });
    }

    public override Task<MetaDeleteResponse> MetaDelete(MetaDeleteRequest request, ServerCallContext context)
    {
        Requests.Enqueue(request);
        if (request.Key == 0x0b) throw new RpcException(new Status(StatusCode.NotFound, "META key 0x0b is not set"));
        return Task.FromResult(new MetaDeleteResponse { Messages = { new MetaDelete { Metadata = Meta(context) } } });
    }

    private Metadata Meta(ServerCallContext context) => new() { Hostname = context.RequestHeaders.GetValue("node") ?? hostname };

    /// <summary>An event as the node sends it: a NodeEvent in an Any with the talos/runtime/ type URL.</summary>
    public static Event Node(ulong id, string actor, NodeEvent e)
    {
        e.Sequence = id;
        e.ActorId = actor;
        e.Time = Timestamp.FromDateTimeOffset(T0.AddSeconds(id));
        return new Event { Id = id.ToString(System.Globalization.CultureInfo.InvariantCulture), ActorId = actor, Data = new Any { TypeUrl = "talos/runtime/talos.events.v1.NodeEvent", Value = e.ToByteString() } };
    }

    /// <summary>An upstream-typed event (machine.PhaseEvent etc.).</summary>
    public static Event Upstream(ulong id, string actor, IMessage payload) => new()
    {
        Id = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ActorId = actor,
        Data = new Any { TypeUrl = "talos/runtime/" + payload.Descriptor.FullName, Value = payload.ToByteString() },
    };
}
