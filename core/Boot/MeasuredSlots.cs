using Talos.Api.Events;

namespace Talos.Core.Boot;

/// <summary>
/// Digests of the slot contents as measured on disk by the boot loader stage just before deciding
/// (lower-case hex SHA-256; null when the slot could not be read or has no valid header).
/// </summary>
public sealed record MeasuredSlots(string? A, string? B)
{
    /// <summary>Measured digest of <paramref name="slot"/>.</summary>
    public string? Of(Slot slot) => slot switch
    {
        Slot.A => A,
        Slot.B => B,
        _ => null,
    };
}
