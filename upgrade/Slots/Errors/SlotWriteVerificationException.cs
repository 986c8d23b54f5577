using Talos.Core.Errors;

namespace Talos.Upgrade.Slots.Errors;

/// <summary>
/// A slot write did not produce the expected bytes: the source's content did not match its digest or size,
/// or the read-back after flush differed. The slot's header was invalidated before the payload was written
/// and was not rewritten, so the boot decision will never pick the slot.
/// </summary>
public sealed class SlotWriteVerificationException(BootSlot slot, string part, string expected, string actual)
    : TalosException($"slot {slot}: {part} verification failed: expected {expected}, got {actual}; the slot was left invalid — re-pull the image and retry")
{
    /// <summary>The target slot.</summary>
    public BootSlot Slot { get; } = slot;
    /// <summary>Which part failed ("kernel", "initramfs", "kernel read-back", "header read-back", ...).</summary>
    public string Part { get; } = part;
    /// <summary>The expected value (digest or size).</summary>
    public string Expected { get; } = expected;
    /// <summary>The observed value.</summary>
    public string Actual { get; } = actual;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
