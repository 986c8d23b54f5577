using Talos.Core.Errors;

namespace Talos.Partitions.State;

/// <summary>The encoded document set does not fit in a STATE slot; nothing was written.</summary>
public sealed class StateDocumentTooLargeException(long bytes, long capacity)
    : TalosException($"STATE documents need {bytes} bytes but a slot holds {capacity}; nothing was written. Shrink the documents or enlarge STATE.")
{
    /// <summary>Encoded size.</summary>
    public long Bytes { get; } = bytes;
    /// <summary>Slot capacity.</summary>
    public long Capacity { get; } = capacity;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.ResourceExhausted;
}
