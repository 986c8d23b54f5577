namespace Talos.Sequencer.Model;

/// <summary>
/// One step of a sequence: tasks that run concurrently (the first failure cancels the siblings) and an optional
/// condition evaluated when the phase is reached, not when the list is built (upstream's CheckFunc).
/// </summary>
public sealed record Phase(string Name, IReadOnlyList<TaskDescriptor> Tasks, DeferredCondition? Condition = null)
{
    /// <summary>A phase without a deferred condition.</summary>
    public Phase(string name, params TaskDescriptor[] tasks) : this(name, (IReadOnlyList<TaskDescriptor>)tasks) { }

    /// <summary>Renders as <c>name(task, task)</c>, prefixed by <c>{condition}</c> when deferred.</summary>
    public override string ToString()
    {
        var tasks = string.Join(", ", Tasks.Select(t => t.ToString()));
        return Condition is null ? $"{Name}({tasks})" : $"{{{Condition.Description}}} {Name}({tasks})";
    }
}

/// <summary>A deferred check with a description (shown in DOT graphs and snapshots as the guard).</summary>
public sealed record DeferredCondition(string Description, Func<Running.TaskContext, bool> Predicate);
