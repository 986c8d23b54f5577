namespace Talos.Upgrade.Slots;

/// <summary>
/// The two BOOT slots. The byte values are what the slot header stores (ASCII 'A' and 'B').
/// </summary>
/// <remarks>
/// Kept local to the upgrade layer while core defines its own slot model (issue #7); mapping is by name
/// (<c>BootSlot.A</c> is core's slot "A"), so a later switch to core's type is a rename.
/// </remarks>
public enum BootSlot : byte
{
    /// <summary>Slot A (partition BOOT-A).</summary>
    A = (byte)'A',
    /// <summary>Slot B (partition BOOT-B).</summary>
    B = (byte)'B',
}
