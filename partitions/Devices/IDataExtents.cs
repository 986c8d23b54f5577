namespace Talos.Partitions.Devices;

/// <summary>
/// Optional capability of a block device: says which parts of a range may hold data, so a caller that only needs to
/// know "is this range zero?" can skip what the device knows to be zero (pages never written, file holes). The Linux
/// analogue is <c>lseek(SEEK_DATA)</c>/<c>lseek(SEEK_HOLE)</c>.
/// </summary>
/// <remarks>
/// Contract (what callers may rely on): every byte before <c>dataStart</c> in the asked range reads as zero and reads
/// without error (<see cref="SectorReadException"/> included: a sector that would fail to read is always "may hold
/// data"). Nothing is promised about bytes inside the returned extent: the caller reads them. Answers are conservative:
/// returning the whole range is always correct. Returned bounds are sector-aligned and inside the asked range.
/// </remarks>
public interface IDataExtents
{
    /// <summary>
    /// Finds the first part of [<paramref name="offset"/>, <paramref name="end"/>) (sector-aligned) that may hold data
    /// or fail to read. False when the whole range is known to read as zero.
    /// </summary>
    bool TryFindData(long offset, long end, out long dataStart, out long dataEnd);
}

/// <summary>Helpers over <see cref="IDataExtents"/> that fall back to "everything may hold data" for other devices.</summary>
public static class DataExtents
{
    /// <summary>
    /// The first part of [<paramref name="offset"/>, <paramref name="end"/>) of <paramref name="device"/> that may hold
    /// data; the whole range when the device does not implement <see cref="IDataExtents"/>.
    /// </summary>
    public static bool TryFindData(IBlockDevice device, long offset, long end, out long dataStart, out long dataEnd)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (offset >= end) { dataStart = dataEnd = end; return false; }
        if (device is IDataExtents e) return e.TryFindData(offset, end, out dataStart, out dataEnd);
        (dataStart, dataEnd) = (offset, end);
        return true;
    }

    /// <summary>Checks the arguments every implementation shares (sector-aligned, inside the device, not reversed).</summary>
    internal static void CheckRange(IBlockDevice device, long offset, long end)
    {
        if (offset < 0 || offset % device.SectorSize != 0 || end % device.SectorSize != 0 || end < offset || end > device.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"range [{offset}, {end}) must be sector-aligned ({device.SectorSize}) and inside the device ({device.Length} bytes)");
    }
}
