using Talos.Core.Errors;

namespace Talos.Sequencer.Errors;

/// <summary>
/// Another sequence holds the lock and may not be pre-empted by this one (upstream's ErrLocked, "locked").
/// Asynchronous operations turn it into an OperationLocked event; synchronous callers (apply-config) map it to
/// FailedPrecondition.
/// </summary>
public sealed class SequenceLockedException(string requested, string running)
    : TalosException($"sequence {requested} not started: locked by running sequence {running}; wait for it to finish or request a takeover")
{
    /// <summary>The refused sequence.</summary>
    public string Requested { get; } = requested;
    /// <summary>The sequence holding the lock.</summary>
    public string Running { get; } = running;
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
