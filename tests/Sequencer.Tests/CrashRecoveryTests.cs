using Talos.Sequencer.Journal;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Sequencer.Tests.Support;

namespace Talos.Sequencer.Tests;

/// <summary>Power loss at every durable operation (journal append or device write) of every sequence, then boot recovery.</summary>
public class CrashRecoveryTests
{
    private static async Task<long> CountOperationsAsync(ISequenceRequest request)
    {
        var h = new Harness();
        await h.RunAsync(request);
        return h.Power.Count;
    }

    [Theory]
    [MemberData(nameof(RequestVariants.Names), MemberType = typeof(RequestVariants))]
    public async Task A_crash_at_every_write_followed_by_recovery_ends_consistent(string variant)
    {
        var request = RequestVariants.Get(variant);
        var total = await CountOperationsAsync(request);
        Assert.True(total > 4);
        var known = new Dictionary<string, ISequenceRequest> { ["seq-1"] = request };
        for (var k = 1; k <= total; k++)
        {
            var h = new Harness();
            h.Power.ArmAt(k);
            Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(request)), $"crash point {k} did not crash");
            var durable = h.Journal.Events.Count;
            h.Reboot();
            var reports = await h.RecoverAsync(known);
            var events = h.Journal.Events;
            try
            {
                JournalInvariants.Check(events, h.Catalog);
                Assert.Equal(durable == 0 ? 0 : 1, reports.Count);
                // Recovery is idempotent: a second pass finds nothing to do and appends nothing.
                Assert.Empty(await h.RecoverAsync(known));
                Assert.Equal(events.Count, h.Journal.Events.Count);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"{variant}: crash at operation {k}/{total}: {ex.Message}\n" +
                    string.Join("\n", events.Select(e => e.ToString())));
            }
        }
    }

    [Theory]
    [InlineData("install")]
    [InlineData("upgrade")]
    [InlineData("reset-reboot-labels")]
    [InlineData("applyConfig-try")]
    [InlineData("upgrade-stage")]
    public async Task A_second_crash_at_every_write_of_recovery_still_ends_consistent(string variant)
    {
        var request = RequestVariants.Get(variant);
        var total = await CountOperationsAsync(request);
        var known = new Dictionary<string, ISequenceRequest> { ["seq-1"] = request };
        var checkedPairs = 0;
        for (var k = 1; k <= total; k++)
        {
            // How many operations does recovery from crash point k take?
            var probe = new Harness();
            probe.Power.ArmAt(k);
            await Harness.SurvivesAsync(() => probe.RunAsync(request));
            probe.Reboot();
            var before = probe.Power.Count;
            await probe.RecoverAsync(known);
            var recoveryOps = probe.Power.Count - before;
            for (var j = 1; j <= recoveryOps; j++)
            {
                var h = new Harness();
                h.Power.ArmAt(k);
                await Harness.SurvivesAsync(() => h.RunAsync(request));
                h.Reboot();
                h.Power.ArmAt(j);
                Assert.False(await Harness.SurvivesAsync(() => h.RecoverAsync(known)));
                h.Reboot();
                await h.RecoverAsync(known);
                try { JournalInvariants.Check(h.Journal.Events, h.Catalog); }
                catch (Exception ex)
                {
                    throw new Xunit.Sdk.XunitException($"{variant}: crash at {k}/{total}, then at recovery op {j}/{recoveryOps}: {ex.Message}\n" +
                        string.Join("\n", h.Journal.Events.Select(e => e.ToString())));
                }
                checkedPairs++;
            }
        }
        Assert.True(checkedPairs > total, $"only {checkedPairs} crash pairs checked");
    }

    [Fact]
    public async Task An_upgrade_interrupted_while_writing_the_slot_resumes_rerunning_the_write_and_reaches_reboot()
    {
        var request = new UpgradeRequest("img:2");
        var h = new Harness();
        var writes = 0;
        // Crash at the second sector write of writeInactiveSlot: find its operation number by a clean run.
        var clean = new Harness();
        clean.Catalog.Before = (ctx, _) => { if (ctx.Task == "writeInactiveSlot") writes = (int)clean.Power.Count; return Task.CompletedTask; };
        await clean.RunAsync(request);
        h.Power.ArmAt(writes + 2); // the hook runs after TaskStarted: +1 first sector; crash on the second sector
        Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(request)));
        Assert.Equal(DiskTaskCatalog.RegionState.Torn, new DiskTaskCatalog(h.Disk).Region("writeInactiveSlot"));
        h.Reboot();

        var report = Assert.Single(await h.RecoverAsync(new Dictionary<string, ISequenceRequest> { ["seq-1"] = request }));
        Assert.Equal(RecoveryAction.Resumed, report.Action);
        Assert.Equal(RunResult.Reboot, report.Result);
        Assert.Contains(h.Journal.Events, e => e is SequenceResumed { Task: "writeInactiveSlot", Attempt: 2 });
        Assert.Contains(("writeInactiveSlot", 2), h.Catalog.Runs);
        Assert.DoesNotContain(h.Catalog.Runs, r => r.Task == "stopAllPods"); // phases before the crash are not repeated
        Assert.Equal(DiskTaskCatalog.RegionState.Stamped, h.Catalog.Region("setTrialBoot"));
        JournalInvariants.Check(h.Journal.Events, h.Catalog);
    }

    [Fact]
    public async Task An_upgrade_interrupted_while_marking_the_trial_is_compensated_and_abandoned()
    {
        var request = new UpgradeRequest("img:2");
        var h = new Harness();
        h.Catalog.Before = (ctx, _) => { if (ctx.Task == "setTrialBoot") h.Power.ArmAt(2); return Task.CompletedTask; };
        Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(request)));
        h.Reboot();
        var report = Assert.Single(await h.RecoverAsync(new Dictionary<string, ISequenceRequest> { ["seq-1"] = request }));
        Assert.Equal(RecoveryAction.Compensated, report.Action);
        var events = h.Journal.Events;
        Assert.Contains(events, e => e is StepCompensated { Task: "setTrialBoot", Action: "clearTrialBoot" });
        Assert.IsType<SequenceAbandoned>(events[^1]);
        Assert.Equal(DiskTaskCatalog.RegionState.Zero, h.Catalog.Region("setTrialBoot"));
        Assert.Equal(DiskTaskCatalog.RegionState.Stamped, h.Catalog.Region("writeInactiveSlot")); // harmless: slot is not the default
        JournalInvariants.Check(events, h.Catalog);
    }

    [Fact]
    public async Task A_reboot_interrupted_during_teardown_is_abandoned_because_the_power_loss_already_rebooted()
    {
        var h = new Harness();
        h.Catalog.Before = (ctx, _) => { if (ctx.Task == "stopServicesEphemeral") h.Power.ArmAt(1); return Task.CompletedTask; };
        Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(new RebootRequest())));
        h.Reboot();
        var report = Assert.Single(await h.RecoverAsync(new Dictionary<string, ISequenceRequest> { ["seq-1"] = new RebootRequest() }));
        Assert.Equal(RecoveryAction.Abandoned, report.Action);
        Assert.Empty(h.Catalog.Runs); // nothing was run again
    }

    [Fact]
    public async Task An_unknown_request_is_not_resumed_but_its_open_rerun_task_is_completed_then_abandoned()
    {
        var h = new Harness();
        h.Catalog.Before = (ctx, _) => { if (ctx.Task == "resetSystemDisk") h.Power.ArmAt(2); return Task.CompletedTask; };
        Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(new ResetRequest())));
        h.Reboot();
        var report = Assert.Single(await h.RecoverAsync(new Dictionary<string, ISequenceRequest>()));
        Assert.Equal(RecoveryAction.Abandoned, report.Action);
        Assert.Equal(DiskTaskCatalog.RegionState.Stamped, h.Catalog.Region("resetSystemDisk"));
        Assert.Contains("request unknown", Assert.IsType<SequenceAbandoned>(h.Journal.Events[^1]).Reason);
        JournalInvariants.Check(h.Journal.Events, h.Catalog);
    }

    [Fact]
    public async Task A_crash_between_phase_failed_and_sequence_failed_closes_the_run_as_failed()
    {
        var h = new Harness();
        h.Catalog.Failing.Add("formatPartitions");
        var clean = new Harness();
        clean.Catalog.Failing.Add("formatPartitions");
        await clean.RunAsync(new InstallRequest("/dev/sda", "img"));
        h.Power.ArmAt(clean.Power.Count); // the last operation is the SequenceFailed append
        Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(new InstallRequest("/dev/sda", "img"))));
        h.Reboot();
        var report = Assert.Single(await h.RecoverAsync(new Dictionary<string, ISequenceRequest>()));
        Assert.Equal(RecoveryAction.Failed, report.Action);
        Assert.Equal(FailureCode.Fatal, Assert.IsType<SequenceFailed>(h.Journal.Events[^1]).Code);
    }
}

public class ResumeConditionTests
{
    [Fact]
    public async Task A_resumed_phase_is_not_skipped_when_its_deferred_condition_changed_after_it_started()
    {
        var args = new Dictionary<string, string> { ["talos.experimental.wipe"] = "system" };
        var h = new Harness { Facts = new StaticNodeFacts(Args: args) };
        h.Catalog.Before = (ctx, _) => { if (ctx.Task == "resetSystemDiskPartitions") h.Power.ArmAt(2); return Task.CompletedTask; };
        Assert.False(await Harness.SurvivesAsync(() => h.RunAsync(new InitializeRequest())));
        h.Reboot();
        // The kernel argument is gone at the next boot: the condition is now false, but the open wipe must finish.
        var recovery = new Recovery.CrashRecovery(new SwitchedJournal(h.Journal, h.Power), h.Catalog, h.Runner);
        var report = Assert.Single(await recovery.RecoverAsync(new StaticNodeFacts(), CancellationToken.None));
        Assert.Equal(Recovery.RecoveryAction.Resumed, report.Action);
        Assert.Equal(RunResult.Reboot, report.Result);
        Assert.Equal(DiskTaskCatalog.RegionState.Stamped, h.Catalog.Region("resetSystemDiskPartitions"));
        JournalInvariants.Check(h.Journal.Events, h.Catalog);
    }
}
