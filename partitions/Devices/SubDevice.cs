namespace Talos.Partitions.Devices;

/// <summary>
/// A view of a sector-aligned byte range of another device (a partition): offsets are relative to the start
/// of the range, I/O outside the range is refused, and <see cref="Flush"/> flushes the whole parent device.
/// Disposing the view does not dispose the parent.
/// </summary>
public sealed class SubDevice : IBlockDevice, IDataExtents
{
    private readonly IBlockDevice _parent;

    /// <summary>Creates a view of <paramref name="length"/> bytes at <paramref name="start"/> of <paramref name="parent"/>.</summary>
    public SubDevice(IBlockDevice parent, long start, long length)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (start < 0 || start % parent.SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(start), start, $"start must be a non-negative multiple of the sector size {parent.SectorSize}");
        if (length <= 0 || length % parent.SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be a positive multiple of the sector size {parent.SectorSize}");
        if (start + length > parent.Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"range {start}+{length} runs past the end of the device ({parent.Length} bytes)");
        _parent = parent;
        Start = start;
        Length = length;
    }

    /// <summary>Byte offset of the view in the parent device.</summary>
    public long Start { get; }

    /// <inheritdoc />
    public int SectorSize => _parent.SectorSize;

    /// <inheritdoc />
    public long Length { get; }

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        Check(offset, buffer.Length);
        _parent.Read(Start + offset, buffer);
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Check(offset, data.Length);
        _parent.Write(Start + offset, data);
    }

    /// <inheritdoc />
    public void Flush() => _parent.Flush();

    /// <summary>The parent's answer for the same bytes (everything, when the parent cannot tell).</summary>
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd)
    {
        DataExtents.CheckRange(this, offset, end);
        var found = DataExtents.TryFindData(_parent, Start + offset, Start + end, out dataStart, out dataEnd);
        (dataStart, dataEnd) = (dataStart - Start, dataEnd - Start);
        return found;
    }

    /// <inheritdoc />
    public void Dispose() { }

    private void Check(long offset, int count)
    {
        if (offset < 0 || offset + count > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"I/O of {count} bytes at {offset} is outside the {Length}-byte range");
    }
}
