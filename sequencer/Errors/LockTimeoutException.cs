using Talos.Core.Errors;

namespace Talos.Sequencer.Errors;

/// <summary>The pre-empted sequence did not release the lock within the budget (upstream: "failed to acquire lock: timeout").</summary>
public sealed class LockTimeoutException(string requested, TimeSpan budget)
    : TalosException($"failed to acquire lock: timeout (sequence {requested} waited {budget.TotalSeconds:0.###}s for the running sequence to stop); retry later")
{
    /// <summary>The waiting sequence.</summary>
    public string Requested { get; } = requested;
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.Unavailable;
    /// <inheritdoc />
    public override bool IsTransient => true;
}
