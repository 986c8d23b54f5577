using System.Runtime.InteropServices;

namespace Talos.Partitions.Devices;

public sealed partial class FileBlockDevice : IDataExtents
{
    private const int SeekData = 3, SeekHole = 4, ENXIO = 6;

    /// <summary>
    /// On Linux, an image file's holes (<c>lseek(SEEK_DATA)</c> / <c>lseek(SEEK_HOLE)</c>): a hole reads as zero, and the
    /// kernel counts written-but-unflushed data as data. Elsewhere, for a block device node, or when the file system
    /// cannot tell, the whole range may hold data. Bounds are widened to whole sectors.
    /// </summary>
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd)
    {
        DataExtents.CheckRange(this, offset, end);
        (dataStart, dataEnd) = (offset, end);
        if (offset == end) return false;
        if (!OperatingSystem.IsLinux() || IsBlockDevice) return true;
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var fd = (int)_handle.DangerousGetHandle();
            var data = lseek(fd, offset, SeekData);
            if (data < 0)
            {
                if (Marshal.GetLastPInvokeError() != ENXIO) return true;   // not supported here: assume data
                dataStart = dataEnd = end;   // ENXIO: no data at or after offset
                return false;
            }
            if (data >= end)
            {
                dataStart = dataEnd = end;
                return false;
            }
            var hole = lseek(fd, data, SeekHole);
            dataStart = Math.Max(offset, data / SectorSize * SectorSize);
            dataEnd = hole < 0 ? end : Math.Min(end, Math.Max(dataStart + SectorSize, (hole + SectorSize - 1) / SectorSize * SectorSize));
            return true;
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }
}
