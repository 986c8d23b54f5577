using Grpc.Core;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Machined.Tests.Api;
using MachineEvent = Talos.Api.Machine.Event;

namespace Talos.Machined.Tests.Torture;

/// <summary>What happened in one interrupted operation.</summary>
/// <param name="Actor">The operation's actor id (empty when the node refused it).</param>
/// <param name="Seen">Every event the client had received from the Events stream when the SIGKILL was sent.</param>
/// <param name="Refused">The RPC's error when the node refused the operation (the kill then hits a node at rest).</param>
/// <param name="Triggered">False when the trigger event never came and the kill was sent at the time cap.</param>
public sealed record Interrupted(TortureOp Op, string Actor, IReadOnlyList<MachineEvent> Seen, string? Refused, bool Triggered)
{
    /// <summary>
    /// True when the stream had shown the operation's end before the kill: the new image confirmed (upgrade), the node
    /// booted again (rollback, reset with preserve) or maintenance entered (full reset). Otherwise the kill hit it mid-way.
    /// </summary>
    public bool Settled => Seen.Any(e => NodeApiHarness.AsNodeEvent(e)?.PayloadCase == Op switch
    {
        TortureOp.Upgrade => NodeEvent.PayloadOneofCase.BootConfirmed,
        TortureOp.ResetFull => NodeEvent.PayloadOneofCase.MaintenanceEntered,
        _ => NodeEvent.PayloadOneofCase.Booted,
    });
}

/// <summary>Runs one operation over the API while watching the Events stream, and SIGKILLs the daemon at the chosen moment.</summary>
public static class TortureStepRunner
{
    /// <summary>An event trigger that has not fired by then fires anyway once the operation has settled.</summary>
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(8);

    /// <summary>An event trigger that has not fired by then fires anyway, settled or not (a bound, normally never reached).</summary>
    private static readonly TimeSpan OperationBound = TimeSpan.FromSeconds(90);

    /// <summary>How long the Events stream may take to say hello (a readiness bound, not a pace: it ends at the hello).</summary>
    private static readonly TimeSpan HelloBound = TimeSpan.FromSeconds(60);

    public static async Task<Interrupted> RunAsync(TortureRig rig, TortureStep step)
    {
        using var ch = rig.Admin();
        var client = new MachineService.MachineServiceClient(ch);
        var seen = new List<MachineEvent>();
        using var streamCts = new CancellationTokenSource();
        using var call = client.Events(new EventsRequest(), cancellationToken: streamCts.Token);
        var hello = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(streamCts.Token))
                {
                    hello.TrySetResult();
                    if (e.Data is { TypeUrl.Length: > 0 }) lock (seen) seen.Add(e);
                }
            }
            catch (RpcException) { }            // the daemon died under the stream: expected
            catch (OperationCanceledException) { }
            finally { hello.TrySetResult(); }
        });
        // The stream must be live before the operation starts, or its first events could be missed. Its hello is the
        // readiness signal; the bound is generous because a loaded 2-core box took seconds for the TLS handshake alone.
        if (await Task.WhenAny(hello.Task, Task.Delay(HelloBound)) != hello.Task)
            throw new TortureFailure($"the Events stream sent no hello in {HelloBound.TotalSeconds:0} s");

        string actor = "";
        string? refused = null;
        try { actor = await StartAsync(client, step); }
        catch (RpcException e) { refused = $"{e.StatusCode}: {e.Status.Detail}"; }

        // A refused operation changes nothing: the kill then hits a node at rest, at once.
        var triggered = refused is null && await WaitForTriggerAsync(step, actor, seen, reader);
        List<MachineEvent> acknowledged;
        lock (seen) acknowledged = seen.ToList();   // taken before the kill: every one of these reached the client
        await rig.KillAsync();
        streamCts.Cancel();
        await reader;
        return new Interrupted(step.Op, actor, acknowledged, refused, triggered);
    }

    private static async Task<string> StartAsync(MachineService.MachineServiceClient client, TortureStep step) => step.Op switch
    {
        TortureOp.Upgrade => (await client.UpgradeAsync(new UpgradeRequest { Image = step.Image })).Messages[0].ActorId,
        // The rollback reply names no actor (as upstream): its event trigger counts every event.
        TortureOp.Rollback => await RollbackAsync(client),
        // Not graceful: a graceful control-plane reset first asks etcd, which this lone node does not run here.
        TortureOp.ResetPreserve => (await client.ResetAsync(new ResetRequest
        {
            Graceful = false, Reboot = true, SystemPartitionsToWipe = { new ResetPartitionSpec { Label = "EPHEMERAL" } },
        })).Messages[0].ActorId,
        TortureOp.ResetFull => (await client.ResetAsync(new ResetRequest { Graceful = false, Reboot = true })).Messages[0].ActorId,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step.Op, "unknown operation"),
    };

    private static async Task<string> RollbackAsync(MachineService.MachineServiceClient client)
    {
        await client.RollbackAsync(new RollbackRequest());
        return "";
    }

    /// <summary>
    /// Waits for the kill trigger. An event trigger that never comes fires at <see cref="Cap"/> once the operation has
    /// settled (or the stream has ended: nothing more can come), or at <see cref="OperationBound"/> if it never settles: on a loaded box an operation takes longer than
    /// <see cref="Cap"/>, and a kill at the cap then landed mid-way without counting as a trigger.
    /// </summary>
    private static async Task<bool> WaitForTriggerAsync(TortureStep step, string actor, List<MachineEvent> seen, Task stream)
    {
        var kill = step.Kill;
        if (kill.DelayMs is { } ms)
        {
            await Task.Delay(ms);
            return true;
        }
        var start = Environment.TickCount64;
        for (long elapsed = 0; elapsed < OperationBound.TotalMilliseconds; elapsed = Environment.TickCount64 - start)
        {
            lock (seen)
            {
                if (kill.EventNumber is { } n && seen.Count(e => actor.Length == 0 || e.ActorId == actor) >= n) return true;
                if (kill.EventName is { } name && seen.Any(e => NodeApiHarness.AsNodeEvent(e)?.PayloadCase.ToString() == name)) return true;
                if (elapsed >= Cap.TotalMilliseconds && (stream.IsCompleted || new Interrupted(step.Op, actor, seen, null, false).Settled)) return false;
            }
            await Task.Delay(5);
        }
        return false;
    }
}
