using Google.Protobuf;
using Grpc.Core;
using Talos.Api.EtcdPeer;
using Talos.Machined.Api;

namespace Talos.Machined.Etcd;

/// <summary>The peer protocol's server side: a thin translation onto <see cref="EtcdEngine"/> (specs/api.md §etcd peer protocol).</summary>
public sealed class EtcdPeerService(EtcdEngine engine) : EtcdPeer.EtcdPeerBase
{
    /// <inheritdoc />
    public override Task<StatusReply> Status(StatusRequest request, ServerCallContext context) =>
        Guard(context, () => Task.FromResult(engine.PeerStatus()));

    /// <inheritdoc />
    public override Task<StateReply> Join(JoinRequest request, ServerCallContext context) =>
        Guard(context, async () => Reply(await engine.HandleJoinAsync(EtcdEngine.FromWire(request.Member), context.CancellationToken)));

    /// <inheritdoc />
    public override Task<StateReply> Propose(ProposeRequest request, ServerCallContext context) =>
        Guard(context, async () => Reply(await engine.HandleProposeAsync(request, context.CancellationToken)));

    /// <inheritdoc />
    public override Task<ReplicateReply> Replicate(ReplicateRequest request, ServerCallContext context) =>
        Guard(context, () => engine.HandleReplicateAsync(request.State.ToByteArray(), context.CancellationToken));

    private static StateReply Reply(EtcdData d) => new() { State = ByteString.CopyFrom(d.Encode()) };

    private static async Task<T> Guard<T>(ServerCallContext context, Func<Task<T>> body)
    {
        try { return await body(); }
        catch (Exception e) when (e is not RpcException) { throw StatusMapping.ToRpcException(e, context.CancellationToken); }
    }
}
