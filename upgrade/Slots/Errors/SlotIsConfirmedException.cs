using Talos.Core.Errors;

namespace Talos.Upgrade.Slots.Errors;

/// <summary>
/// The caller asked to write the slot that holds the confirmed (running, known-good) image. Invariant 2 of
/// ARCHITECTURE.md: an upgrade never writes the confirmed slot. Nothing was written.
/// </summary>
public sealed class SlotIsConfirmedException(BootSlot slot)
    : TalosException($"refusing to write slot {slot}: it holds the confirmed image; write the other slot (invariant 2)")
{
    /// <summary>The slot that was refused.</summary>
    public BootSlot Slot { get; } = slot;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
