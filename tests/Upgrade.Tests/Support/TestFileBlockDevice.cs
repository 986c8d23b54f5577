using Microsoft.Win32.SafeHandles;
using Talos.Partitions.Devices;

namespace Talos.Upgrade.Tests.Support;

/// <summary>
/// Test-only file-backed block device (the disk engineer's FileBlockDevice is on wt/disk, not merged yet):
/// positional reads/writes on a real file and a real fsync on <see cref="Flush"/>.
/// </summary>
internal sealed class TestFileBlockDevice : IBlockDevice
{
    private readonly SafeFileHandle _handle;

    public TestFileBlockDevice(string path, long length, int sectorSize = 512)
    {
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (RandomAccess.GetLength(_handle) < length) RandomAccess.SetLength(_handle, length);
        Length = length;
        SectorSize = sectorSize;
    }

    public int SectorSize { get; }
    public long Length { get; }
    public int FlushCount { get; private set; }

    public void Read(long offset, Span<byte> buffer)
    {
        Check(offset, buffer.Length);
        var n = 0;
        while (n < buffer.Length)
        {
            var r = RandomAccess.Read(_handle, buffer[n..], offset + n);
            if (r == 0) { buffer[n..].Clear(); break; }
            n += r;
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Check(offset, data.Length);
        RandomAccess.Write(_handle, data, offset);
    }

    public void Flush()
    {
        RandomAccess.FlushToDisk(_handle);
        FlushCount++;
    }

    public void Dispose() => _handle.Dispose();

    private void Check(long offset, int count)
    {
        if (offset < 0 || offset % SectorSize != 0 || count % SectorSize != 0 || offset + count > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"bad I/O {offset}+{count} on a {Length}-byte device");
    }
}
