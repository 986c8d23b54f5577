using Stateless;
using Talos.Sequencer.Model;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Running;

/// <summary>Triggers of the runner machine: the outcome of the phase just executed.</summary>
public enum RunnerTrigger
{
    /// <summary>The run begins.</summary>
    Begin,
    /// <summary>The phase ran and every task continued.</summary>
    PhaseDone,
    /// <summary>The phase's deferred condition was false.</summary>
    PhaseSkipped,
    /// <summary>A task returned Reboot.</summary>
    Reboot,
    /// <summary>A task returned PowerOff.</summary>
    PowerOff,
    /// <summary>A task failed.</summary>
    Fail,
    /// <summary>Cancellation was observed between phases.</summary>
    Cancel,
}

/// <summary>
/// Builds the Stateless machine of a phase list: states are phase names plus <see cref="RunnerStates"/>, triggers
/// are phase outcomes. The same configuration serves the runner and the DOT export, so the graph in
/// specs/sequences cannot drift from the code. Always <see cref="FiringMode.Queued"/>; only FireAsync is used.
/// </summary>
internal static class RunnerMachine
{
    /// <summary>Creates and configures the machine. <paramref name="enterPhase"/> runs on entry of phase i.</summary>
    public static StateMachine<string, RunnerTrigger> Create(IReadOnlyList<Phase> phases, Func<int, Task> enterPhase, Func<Phase, bool> conditionHeld)
    {
        var m = new StateMachine<string, RunnerTrigger>(RunnerStates.Start, FiringMode.Queued);
        var first = phases.Count > 0 ? phases[0].Name : RunnerStates.Done;
        m.Configure(RunnerStates.Start)
            .Permit(RunnerTrigger.Begin, first)
            .Permit(RunnerTrigger.Cancel, RunnerStates.Canceled);
        for (var i = 0; i < phases.Count; i++)
        {
            var index = i;
            var phase = phases[i];
            var next = i + 1 < phases.Count ? phases[i + 1].Name : RunnerStates.Done;
            var c = m.Configure(phase.Name)
                .OnEntryAsync(() => enterPhase(index), $"run phase {phase.Name} ({index + 1}/{phases.Count})")
                .Permit(RunnerTrigger.Fail, RunnerStates.Failed)
                .Permit(RunnerTrigger.Cancel, RunnerStates.Canceled)
                .Permit(RunnerTrigger.Reboot, RunnerStates.Rebooting)
                .Permit(RunnerTrigger.PowerOff, RunnerStates.PoweringOff);
            if (phase.Condition is { } cond)
            {
                c.PermitIf(RunnerTrigger.PhaseDone, next, () => conditionHeld(phase), cond.Description);
                c.PermitIf(RunnerTrigger.PhaseSkipped, next, () => !conditionHeld(phase), $"not ({cond.Description})");
            }
            else
            {
                c.Permit(RunnerTrigger.PhaseDone, next);
            }
        }
        foreach (var terminal in new[] { RunnerStates.Done, RunnerStates.Failed, RunnerStates.Canceled, RunnerStates.Rebooting, RunnerStates.PoweringOff })
            m.Configure(terminal);
        return m;
    }

    /// <summary>The Mermaid state diagram of a phase list (renders as a picture in markdown viewers).</summary>
    public static string Mermaid(IReadOnlyList<Phase> phases)
    {
        var m = Create(phases, _ => Task.CompletedTask, _ => true);
        return Stateless.Graph.MermaidGraph.Format(m.GetInfo()).ReplaceLineEndings("\n").TrimEnd() + "\n";
    }

    /// <summary>The DOT graph of a phase list (Stateless UmlDotGraph), with a trailing newline.</summary>
    public static string Dot(IReadOnlyList<Phase> phases)
    {
        var m = Create(phases, _ => Task.CompletedTask, _ => true);
        return Stateless.Graph.UmlDotGraph.Format(m.GetInfo()).ReplaceLineEndings("\n").TrimEnd() + "\n";
    }
}
