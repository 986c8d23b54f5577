namespace Talos.Sequencer.Model;

/// <summary>
/// What a task's failure does to its phase. Applied to a use of a task in a phase (like upstream's task wrappers),
/// through <see cref="TaskDescriptor.AsBestEffort"/> and <see cref="TaskDescriptor.PauseOnFailure"/>.
/// </summary>
public abstract record FailurePolicy
{
    private FailurePolicy() { }

    /// <summary>The failure fails the phase (default).</summary>
    public sealed record Fail : FailurePolicy
    {
        /// <inheritdoc />
        public override string ToString() => "fail";
    }

    /// <summary>The failure is recorded (TaskFailed) and the phase goes on (upstream: "errors only logged").</summary>
    public sealed record BestEffort : FailurePolicy
    {
        /// <inheritdoc />
        public override string ToString() => "bestEffort";
    }

    /// <summary>
    /// Upstream's pause-on-failure: record the failure, wait <paramref name="Pause"/> (or until cancelled, e.g. by an
    /// apply-config that fixes the problem and reboots), then fail the phase.
    /// </summary>
    public sealed record PauseThenFail(TimeSpan Pause) : FailurePolicy
    {
        /// <inheritdoc />
        public override string ToString() => $"pause({Pause.TotalMinutes:0}m)ThenFail";
    }

    /// <summary>Shared <see cref="Fail"/>.</summary>
    public static readonly FailurePolicy Default = new Fail();

    /// <summary>Shared <see cref="BestEffort"/>.</summary>
    public static readonly FailurePolicy Ignore = new BestEffort();

    /// <summary>Upstream's FailurePauseTimeout: 35 minutes.</summary>
    public static readonly TimeSpan UpstreamPause = TimeSpan.FromMinutes(35);
}
