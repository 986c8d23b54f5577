namespace Talos.Partitions.Devices;

/// <summary>
/// A sector-addressed block device: the one abstraction every on-disk structure writes through.
/// Implementations: <c>FileBlockDevice</c> (raw image files and real block devices, real fdatasync),
/// <c>MemoryBlockDevice</c>, and <c>PowerLossSimulator</c> (wraps any device; models what survives a crash).
/// </summary>
/// <remarks>
/// Contract: <see cref="Write"/> may be buffered by the device until <see cref="Flush"/> returns; only data
/// written before a completed flush is guaranteed to survive power loss. Offsets and lengths are in bytes but
/// must be multiples of <see cref="SectorSize"/> (callers that need byte granularity read-modify-write).
/// </remarks>
public interface IBlockDevice : IDisposable
{
    /// <summary>Sector size in bytes (512 or 4096).</summary>
    int SectorSize { get; }

    /// <summary>Total size in bytes (a multiple of <see cref="SectorSize"/>).</summary>
    long Length { get; }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes at byte <paramref name="offset"/> (sector-aligned).</summary>
    void Read(long offset, Span<byte> buffer);

    /// <summary>Writes <paramref name="data"/> at byte <paramref name="offset"/> (sector-aligned); durable only after <see cref="Flush"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every completed write durable (fdatasync on a file device).</summary>
    void Flush();
}
