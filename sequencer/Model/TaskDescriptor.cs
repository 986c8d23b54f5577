namespace Talos.Sequencer.Model;

/// <summary>
/// A named unit of work of a sequence (STYLE.md §2). The descriptor is data; the code that performs it comes
/// from an <see cref="Running.ITaskCatalog"/> supplied by upper layers (upgrade/, machined/).
/// </summary>
/// <param name="Name">Stable camelCase name carried by TaskStarted/TaskCompleted events.</param>
/// <param name="DiskEffect">What the task does to the disk (or "none"), for specs and snapshots.</param>
/// <param name="Idempotent">Running it twice has the same effect as once.</param>
/// <param name="Recovery">What crash recovery does if the task was started but not finished.</param>
/// <param name="BestEffort">Errors are recorded but do not fail the phase (upstream's "errors logged" tasks).</param>
public sealed record TaskDescriptor(string Name, string DiskEffect, bool Idempotent, TaskRecovery Recovery, bool BestEffort = false)
{
    /// <summary>Validates the declaration: a re-run task must be idempotent; names are camelCase.</summary>
    public TaskDescriptor Validate()
    {
        if (string.IsNullOrEmpty(Name) || !char.IsLower(Name[0]) || Name.Any(c => !char.IsAsciiLetterOrDigit(c)))
            throw new ArgumentException($"task name '{Name}' must be camelCase ASCII", nameof(Name));
        if (Recovery is TaskRecovery.ReRun && !Idempotent)
            throw new ArgumentException($"task '{Name}' is re-run after a crash, so it must be idempotent", nameof(Recovery));
        return this;
    }

    /// <summary>A copy whose errors do not fail the phase (decorator-like: the policy is on the use, not the task).</summary>
    public TaskDescriptor AsBestEffort() => this with { BestEffort = true };

    /// <inheritdoc />
    public override string ToString() => BestEffort ? $"{Name}*" : Name;
}
