using Talos.Core.Errors;

namespace Talos.Sequencer.Errors;

/// <summary>
/// A task failed and with it its phase and sequence. The message follows upstream's format:
/// <c>error running phase n in seq sequence: task i/k: failed, cause</c>.
/// </summary>
public sealed class PhaseFailedException(string sequence, string phase, int phaseIndex, string task, int taskIndex, int taskCount, Exception cause)
    : TalosException($"error running phase {phaseIndex} in {sequence} sequence: task {taskIndex}/{taskCount}: failed, {cause.Message}", cause)
{
    /// <summary>Wire name of the sequence.</summary>
    public string Sequence { get; } = sequence;
    /// <summary>Name of the failed phase.</summary>
    public string Phase { get; } = phase;
    /// <summary>Name of the failed task.</summary>
    public string Task { get; } = task;
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.Internal;
}
