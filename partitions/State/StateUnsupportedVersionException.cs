using Talos.Core.Errors;

namespace Talos.Partitions.State;

/// <summary>A STATE slot with a valid checksum has a format version this build does not know.</summary>
public sealed class StateUnsupportedVersionException(int slot, int version)
    : TalosException($"STATE slot {slot} has format version {version}; this build reads version 1 only. Nothing was changed; use a newer build.")
{
    /// <summary>Slot index.</summary>
    public int Slot { get; } = slot;
    /// <summary>Version found.</summary>
    public int Version { get; } = version;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
