namespace Talos.Sequencer.Model;

/// <summary>
/// A named unit of work of a sequence (STYLE.md §2). The descriptor is data; the code that performs it comes
/// from an <see cref="Running.ITaskCatalog"/> supplied by upper layers (upgrade/, machined/).
/// </summary>
/// <param name="Name">Stable camelCase name carried by TaskStarted/TaskCompleted events.</param>
/// <param name="DiskEffect">What the task does to the disk (or "none"), for specs and snapshots.</param>
/// <param name="Idempotent">Running it twice has the same effect as once.</param>
/// <param name="Recovery">What crash recovery does if the task was started but not finished.</param>
/// <param name="OnFailure">What a failure does to the phase (null = <see cref="FailurePolicy.Default"/>).</param>
public sealed record TaskDescriptor(string Name, string DiskEffect, bool Idempotent, TaskRecovery Recovery, FailurePolicy? OnFailure = null)
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

    /// <summary>The effective failure policy.</summary>
    public FailurePolicy Failure => OnFailure ?? FailurePolicy.Default;

    /// <summary>A copy whose errors do not fail the phase (the policy is on the use, not the task).</summary>
    public TaskDescriptor AsBestEffort() => this with { OnFailure = FailurePolicy.Ignore };

    /// <summary>A copy that pauses <paramref name="pause"/> after a failure before failing the phase (upstream default 35 min).</summary>
    public TaskDescriptor PauseOnFailure(TimeSpan? pause = null) => this with { OnFailure = new FailurePolicy.PauseThenFail(pause ?? FailurePolicy.UpstreamPause) };

    /// <summary>Renders the name, suffixed <c>*</c> for best effort and <c>!</c> for pause-on-failure.</summary>
    public override string ToString() => Failure switch
    {
        FailurePolicy.BestEffort => $"{Name}*",
        FailurePolicy.PauseThenFail => $"{Name}!",
        _ => Name,
    };
}
