using Grpc.Core;
using Talos.Api.Machine;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Client;

/// <summary>
/// Follows a node's event stream until an <see cref="OperationGoal"/> is met, surviving drops: the node's API goes away
/// while it reboots, so a dropped or ended stream is reopened with <c>tail_id</c> = the last id seen (no event is lost
/// or repeated, because ids are META sequence numbers), until the deadline.
/// </summary>
public sealed class EventFollower(IMachineClient client, CliContext io, IProgressView view)
{
    /// <summary>Reads the id of the newest event (the starting point), or null when the node has none within a short wait.</summary>
    public async Task<string?> TailIdAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var call = client.Machine.Events(new EventsRequest { TailEvents = 1 }, client.Call(cts.Token));
            while (await call.ResponseStream.MoveNext(cts.Token).ConfigureAwait(false))
                if (call.ResponseStream.Current.Data?.TypeUrl is { Length: > 0 }) return call.ResponseStream.Current.Id;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded && !ct.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        return null;
    }

    /// <summary>Follows from after <paramref name="fromId"/> (null: all retained events) until the goal is met.</summary>
    /// <exception cref="NodeCommandException">The operation failed, or the deadline passed.</exception>
    public async Task<string> FollowAsync(string? fromId, OperationGoal goal, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = io.Time.GetUtcNow() + timeout;
        var last = fromId;
        var dropped = false;
        while (true)
        {
            if (io.Time.GetUtcNow() > deadline)
                throw new NodeCommandException($"timed out after {GoDuration.Format(timeout)} waiting for the operation (last event id {last ?? "none"}); check \"talosctl events\"");
            var request = last is null ? new EventsRequest { TailEvents = -1 } : new EventsRequest { TailId = last };
            try
            {
                using var call = client.Machine.Events(request, client.Call(ct));
                while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    if (dropped) { view.Reconnected(client.Node); dropped = false; }
                    var e = DecodedEvent.From(call.ResponseStream.Current);
                    if (e is null) continue;
                    last = e.Id;
                    view.Event(client.Node, e);
                    if (goal.Observe(e) is { } done) return done;
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Unauthenticated)
            {
                // The node is rebooting (or its API restarts with new certificates): try again.
            }
            if (goal.OnDropped() is { } end) return end;
            if (!dropped) view.Dropped(client.Node);
            dropped = true;
            await Task.Delay(io.ReconnectDelay, io.Time, ct).ConfigureAwait(false);
        }
    }
}
