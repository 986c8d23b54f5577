using Talos.Sequencer.Model;

namespace Talos.Sequencer.Sequences;

/// <summary>
/// Builds an immutable phase list. Build-time conditions use <see cref="AppendWhen"/>, run-time ones
/// <see cref="AppendDeferred"/>; shared tails are appended with <see cref="AppendList"/>.
/// Phase names must be unique within a list (they are the runner's state names).
/// </summary>
public sealed class PhaseListBuilder
{
    private readonly List<Phase> _phases = [];

    /// <summary>Appends a phase.</summary>
    public PhaseListBuilder Append(string name, params TaskDescriptor[] tasks) => Add(new Phase(name, tasks));

    /// <summary>Appends a phase only when <paramref name="condition"/> holds now.</summary>
    public PhaseListBuilder AppendWhen(bool condition, string name, params TaskDescriptor[] tasks) =>
        condition ? Append(name, tasks) : this;

    /// <summary>Appends a phase whose condition is evaluated when it is reached.</summary>
    public PhaseListBuilder AppendDeferred(string name, DeferredCondition condition, params TaskDescriptor[] tasks) =>
        Add(new Phase(name, tasks, condition));

    /// <summary>Appends a shared sub-list.</summary>
    public PhaseListBuilder AppendList(IEnumerable<Phase> phases)
    {
        foreach (var p in phases) Add(p);
        return this;
    }

    /// <summary>The finished list.</summary>
    public IReadOnlyList<Phase> Build() => _phases.ToArray();

    private PhaseListBuilder Add(Phase phase)
    {
        if (phase.Tasks.Count == 0) throw new ArgumentException($"phase '{phase.Name}' has no tasks", nameof(phase));
        if (_phases.Any(p => p.Name == phase.Name)) throw new ArgumentException($"phase '{phase.Name}' appears twice", nameof(phase));
        if (phase.Name is RunnerStates.Start or RunnerStates.Done or RunnerStates.Failed or RunnerStates.Canceled or RunnerStates.Rebooting or RunnerStates.PoweringOff)
            throw new ArgumentException($"phase name '{phase.Name}' is reserved", nameof(phase));
        _phases.Add(phase);
        return this;
    }
}

/// <summary>Names of the runner's non-phase states.</summary>
public static class RunnerStates
{
    /// <summary>Before the first phase.</summary>
    public const string Start = "start";
    /// <summary>Every phase ran.</summary>
    public const string Done = "done";
    /// <summary>A task failed.</summary>
    public const string Failed = "failed";
    /// <summary>Cancelled between phases.</summary>
    public const string Canceled = "canceled";
    /// <summary>A task returned Reboot.</summary>
    public const string Rebooting = "rebooting";
    /// <summary>A task returned PowerOff.</summary>
    public const string PoweringOff = "poweringOff";
}
