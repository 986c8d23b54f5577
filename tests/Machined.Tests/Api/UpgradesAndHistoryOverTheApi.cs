using Grpc.Core;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Runtime;
using static Talos.Machined.Tests.Api.NodeApiHarness;

namespace Talos.Machined.Tests.Api;

/// <summary>Concurrent long operations and the durability of the event history, over the real API.</summary>
public sealed class UpgradesAndHistoryOverTheApi
{
    [Fact]
    public async Task Of_two_concurrent_upgrades_one_runs_and_the_other_is_refused()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.3", seed: 13);
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);
        var calls = new[] { RuntimeFixture.Healthy2, RuntimeFixture.Healthy3 }
            .Select(async image =>
            {
                try { return (Actor: (await m.UpgradeAsync(new UpgradeRequest { Image = image })).Messages[0].ActorId, Status: StatusCode.OK); }
                catch (RpcException e) { return (Actor: "", Status: e.StatusCode); }
            }).ToList();
        var results = await Task.WhenAll(calls);
        var accepted = results.Where(r => r.Status == StatusCode.OK).ToList();
        Assert.All(results, r => Assert.True(r.Status is StatusCode.OK or StatusCode.FailedPrecondition, $"unexpected {r.Status}"));
        Assert.NotEmpty(accepted);
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Node.State.SlotB.Successful && h.Node.Controller.Lock.Holder is null, "slot B confirmed");
        var log = h.Node.Journal.ReadAll().ToList();
        var upgrades = log.Where(e => e.SequenceStarted?.Sequence == "upgrade").ToList();
        if (accepted.Count == 2 && upgrades.Count == 2)
        {
            // On a fast disk the first upgrade may finish before the second call arrives: then they ran one after the
            // other, never overlapping (one sequence at a time is the property under test).
            var firstEnd = log.First(e => e.SequenceCompleted?.Sequence == "upgrade" && e.SequenceId == upgrades[0].SequenceId).Sequence;
            Assert.True(upgrades[1].Sequence > firstEnd, "the second upgrade started before the first one ended");
        }
        else if (accepted.Count == 2)
        {
            // Both got past the synchronous check: the lock refused one of them, recorded as OperationLocked for its actor.
            Assert.Contains(log, e => e.OperationLocked is not null && accepted.Any(a => a.Actor == e.ActorId));
        }
        var ran = accepted.First(a => log.Any(e => e.ActorId == a.Actor && e.SequenceCompleted is not null)).Actor;
        var mine = await EventsAsync(admin, new EventsRequest { TailEvents = -1, WithActorId = ran },
            got => got.Any(e => e.Data.TypeUrl.EndsWith("SequenceEvent", StringComparison.Ordinal) &&
                                SequenceEvent.Parser.ParseFrom(e.Data.Value).Action == SequenceEvent.Types.Action.Stop));
        Assert.All(mine, e => Assert.Equal(ran, e.ActorId));
        Assert.Contains(mine, e => e.Data.TypeUrl == "talos/runtime/machine.TaskEvent");
        Assert.Equal((ulong)upgrades.Count, h.Node.State.Counters.Upgrades);
    }

    [Fact]
    public async Task A_second_upgrade_while_one_runs_is_FailedPrecondition()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.4", seed: 14);
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);
        // An image whose boot hangs keeps the node busy (trial boot, health gate) long enough to be observed.
        await m.UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Hangs });
        await h.WaitForAsync(() => h.Node.Controller.Lock.Holder is not null || h.Node.Stage != NodeStage.Running, "the upgrade to hold the lock");
        var e = await Assert.ThrowsAsync<RpcException>(async () => await m.UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy3 }));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Node.State.Counters.Rollbacks == 1, "the hanging upgrade to roll back");
        Assert.Equal("v1.9.0", h.Node.State.BootedVersion);
        Assert.Equal(0UL, h.Node.State.Counters.Upgrades - 1);   // only the first upgrade was written
    }

    [Fact]
    public async Task Events_survive_a_runtime_restart_over_the_same_disk()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.5", seed: 15);
        await h.InstallAsync();
        List<Event> before;
        using (var admin = h.As(Roles.Admin))
            before = await EventsAsync(admin, new EventsRequest { TailEvents = -1 }, got => got.Any(e => AsNodeEvent(e)?.BootConfirmed is not null));
        var confirmedId = before.First(e => AsNodeEvent(e)?.BootConfirmed is not null).Id;

        await h.StopAsync();
        await h.PowerOnAsync();
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Server.Host.Security.IsConfigured, "running again");
        using var again = h.As(Roles.Reader);
        var after = await EventsAsync(again, new EventsRequest { TailEvents = -1 }, got => got.Any(e => e.Id == confirmedId));
        var same = after.First(e => e.Id == confirmedId);
        Assert.NotNull(AsNodeEvent(same)?.BootConfirmed);
        // tail_id resumes exactly after an id; tail_events N gives the last N.
        var resumed = await EventsAsync(again, new EventsRequest { TailId = confirmedId }, got => got.Count > 0);
        Assert.Equal(ulong.Parse(confirmedId) + 1, ulong.Parse(resumed[0].Id));
        var last3 = await EventsAsync(again, new EventsRequest { TailEvents = 3 }, got => got.Count == 3);
        Assert.Equal(h.Node.State.LastSequence, ulong.Parse(last3[^1].Id));
        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
            await EventsAsync(again, new EventsRequest { TailEvents = 1, TailId = "3" }, _ => true));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }
}
