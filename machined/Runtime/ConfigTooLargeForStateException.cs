using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>
/// An apply-config whose config would not fit in the STATE partition's store (with the documents already there), refused
/// before anything is recorded or changed (issue 22 item 5: it used to answer "Applied configuration" and then fail in
/// the sequence). ResourceExhausted, as the store's own <c>StateDocumentTooLargeException</c> (specs/api.md §6).
/// </summary>
public sealed class ConfigTooLargeForStateException(long configBytes, long neededBytes, long capacityBytes)
    : TalosException($"the machine config is {configBytes} bytes; STATE would need {neededBytes} bytes for it and the documents " +
                     $"it keeps beside it, but its store holds {capacityBytes} bytes per copy; nothing was recorded or changed. " +
                     "Shrink the config (comments and unused documents count too) or install on a larger disk")
{
    /// <summary>Size of the submitted config.</summary>
    public long ConfigBytes { get; } = configBytes;

    /// <summary>Body size the store would have to write.</summary>
    public long NeededBytes { get; } = neededBytes;

    /// <summary>What one copy of the store holds.</summary>
    public long CapacityBytes { get; } = capacityBytes;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.ResourceExhausted;
}
