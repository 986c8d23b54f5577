namespace Talos.Partitions.Devices;

/// <summary>
/// A block device held in memory: for simulation and property tests (alongside, never instead of, the file
/// device). <see cref="Flush"/> does nothing because memory has no volatile cache of its own; the
/// <c>PowerLossSimulator</c> wraps this device to model what a crash loses.
/// </summary>
public sealed class MemoryBlockDevice : IBlockDevice, IDataExtents
{
    private readonly byte[] _data;

    /// <summary>Creates a zero-filled device of <paramref name="length"/> bytes.</summary>
    public MemoryBlockDevice(long length, int sectorSize = 512)
    {
        if (sectorSize is not (512 or 4096)) throw new ArgumentOutOfRangeException(nameof(sectorSize), sectorSize, "sector size must be 512 or 4096");
        if (length <= 0 || length % sectorSize != 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be a positive multiple of {sectorSize}");
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(length), length, "too large for an in-memory device");
        _data = new byte[length];
        SectorSize = sectorSize;
    }

    // Takes ownership of data (no copy): the crash simulator builds a fresh image per crash state and hands it over;
    // copying 12 MiB twice per crash state was a fifth of the simulator's time.
    private MemoryBlockDevice(byte[] data, int sectorSize)
    {
        _data = data;
        SectorSize = sectorSize;
    }

    /// <summary>A device over <paramref name="data"/> itself, which the caller gives up (validated like the copying constructor).</summary>
    internal static MemoryBlockDevice Adopt(byte[] data, int sectorSize)
    {
        if (sectorSize is not (512 or 4096)) throw new ArgumentOutOfRangeException(nameof(sectorSize), sectorSize, "sector size must be 512 or 4096");
        if (data.Length == 0 || data.Length % sectorSize != 0) throw new ArgumentOutOfRangeException(nameof(data), data.Length, $"length must be a positive multiple of {sectorSize}");
        return new MemoryBlockDevice(data, sectorSize);
    }

    /// <summary>Creates a device holding a copy of <paramref name="image"/>.</summary>
    public MemoryBlockDevice(ReadOnlySpan<byte> image, int sectorSize = 512) : this(image.Length, sectorSize) => image.CopyTo(_data);

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public long Length => _data.Length;

    /// <summary>Number of completed <see cref="Flush"/> calls (for tests and benchmarks).</summary>
    public long FlushCount { get; private set; }

    /// <summary>The raw bytes of the device (tests compare images).</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        CheckRange(offset, buffer.Length);
        _data.AsSpan((int)offset, buffer.Length).CopyTo(buffer);
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        CheckRange(offset, data.Length);
        data.CopyTo(_data.AsSpan((int)offset, data.Length));
    }

    /// <inheritdoc />
    public void Flush() => FlushCount++;

    /// <summary>Exact, from the bytes themselves (no copy): the first sector holding a non-zero byte.</summary>
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd)
    {
        DataExtents.CheckRange(this, offset, end);
        var first = _data.AsSpan((int)offset, (int)(end - offset)).IndexOfAnyExcept((byte)0);
        if (first < 0)
        {
            dataStart = dataEnd = end;
            return false;
        }
        dataStart = offset + first / SectorSize * SectorSize;
        dataEnd = dataStart + SectorSize;
        return true;
    }

    /// <inheritdoc />
    public void Dispose() { }

    private void CheckRange(long offset, int count)
    {
        if (offset < 0 || offset % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset must be a non-negative multiple of the sector size {SectorSize}");
        if (count % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"length must be a multiple of the sector size {SectorSize}");
        if (offset + count > _data.Length) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"I/O of {count} bytes at {offset} runs past the end of the device ({_data.Length} bytes)");
    }
}
