using FsCheck;
using FsCheck.Xunit;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Sequences;
using Talos.Sequencer.Tests.Support;

namespace Talos.Sequencer.Tests;

/// <summary>Random mixes the exhaustive tests do not cover: a failing task, a crash, and a second crash during recovery.</summary>
public class CrashRecoveryProperties
{
    [Property(MaxTest = 150)]
    public async Task<bool> Failures_crashes_and_crashes_during_recovery_always_end_consistent(PositiveInt variantPick, NonNegativeInt failPick, PositiveInt crashPick, NonNegativeInt recoveryCrashPick)
    {
        var (name, request) = RequestVariants.All[variantPick.Get % RequestVariants.All.Count];
        // Pause-on-failure tasks are left out: they would wait 35 minutes of real time here.
        var candidates = SequenceLibrary.Build(request).SelectMany(p => p.Tasks)
            .Where(t => t.Failure is not FailurePolicy.PauseThenFail).Select(t => t.Name).ToArray();
        var failing = failPick.Get % 3 == 0 ? candidates[failPick.Get / 3 % candidates.Length] : null;

        var probe = new Harness();
        if (failing is not null) probe.Catalog.Failing.Add(failing);
        await probe.RunAsync(request);
        var total = probe.Power.Count;

        var h = new Harness();
        if (failing is not null) h.Catalog.Failing.Add(failing);
        h.Power.ArmAt(crashPick.Get % (total + 1) + 1); // may land after the end: then no crash
        await Harness.SurvivesAsync(() => h.RunAsync(request));
        h.Reboot();
        var known = new Dictionary<string, ISequenceRequest> { ["seq-1"] = request };
        if (recoveryCrashPick.Get % 2 == 1)
        {
            h.Power.ArmAt(recoveryCrashPick.Get / 2 % 40 + 1);
            await Harness.SurvivesAsync(() => h.RecoverAsync(known));
            h.Reboot();
        }
        await h.RecoverAsync(known);
        try
        {
            JournalInvariants.Check(h.Journal.Events, h.Catalog);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{name} failing={failing} crash={crashPick.Get % (total + 1) + 1}/{total}: {ex.Message}");
        }
        return true;
    }
}
