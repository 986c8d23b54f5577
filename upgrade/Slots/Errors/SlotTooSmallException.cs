using Talos.Core.Errors;

namespace Talos.Upgrade.Slots.Errors;

/// <summary>The image does not fit in the slot partition. Nothing was written.</summary>
public sealed class SlotTooSmallException(BootSlot slot, long needed, long available)
    : TalosException($"image needs {needed} bytes but slot {slot} has {available}; use a smaller image or a larger BOOT partition layout")
{
    /// <summary>The target slot.</summary>
    public BootSlot Slot { get; } = slot;
    /// <summary>Bytes the header plus payload need.</summary>
    public long Needed { get; } = needed;
    /// <summary>Size of the slot partition in bytes.</summary>
    public long Available { get; } = available;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.ResourceExhausted;
}
