using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Talos.Partitions.Devices;

/// <summary>
/// A raw disk-image file or a real block device. Positional I/O through <see cref="RandomAccess"/> (no shared file
/// position, no managed buffering), <see cref="Flush"/> = <c>fdatasync(2)</c>, and an exclusive
/// <c>flock(LOCK_EX|LOCK_NB)</c> held while open, so a second opener fails at once with
/// <see cref="DeviceLockedException"/> instead of two daemons corrupting one disk (issue #3; upstream's installer
/// takes the same lock, research/talos-internals.md §2.2).
/// </summary>
public sealed partial class FileBlockDevice : IBlockDevice
{
    private readonly SafeFileHandle _handle;

    private FileBlockDevice(SafeFileHandle handle, string path, int sectorSize, long length, bool isBlockDevice)
    {
        _handle = handle;
        Path = path;
        SectorSize = sectorSize;
        Length = length;
        IsBlockDevice = isBlockDevice;
    }

    /// <summary>The path opened.</summary>
    public string Path { get; }

    /// <summary>True for a block device node (its size is fixed), false for an image file.</summary>
    public bool IsBlockDevice { get; }

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public long Length { get; private set; }

    /// <summary>Number of completed flushes.</summary>
    public long FlushCount { get; private set; }

    /// <summary>
    /// Creates a new sparse image file of <paramref name="length"/> bytes (no data blocks are allocated) and opens it.
    /// Fails with <see cref="IOException"/> if the file exists: an existing disk is never silently replaced.
    /// </summary>
    public static FileBlockDevice Create(string path, long length, int sectorSize = 512)
    {
        CheckSectorSize(sectorSize);
        if (length <= 0 || length % sectorSize != 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be a positive multiple of {sectorSize}");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            Lock(handle, path);
            RandomAccess.SetLength(handle, length); // ftruncate: sparse
            return new FileBlockDevice(handle, path, sectorSize, length, isBlockDevice: false);
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Opens an existing image file or block device for read and write, taking the exclusive lock.</summary>
    public static FileBlockDevice Open(string path, int sectorSize = 512)
    {
        CheckSectorSize(sectorSize);
        if (!File.Exists(path)) throw new FileNotFoundException($"disk '{path}' does not exist", path);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (IOException e) when (e.HResult is SharingViolation or EWouldBlock)
        {
            // The runtime's own advisory lock (LOCK_SH for FileShare.ReadWrite) met our LOCK_EX of the first opener;
            // on Unix the runtime puts errno (EWOULDBLOCK) in HResult.
            throw new DeviceLockedException(path, e);
        }
        try
        {
            Lock(handle, path);
            var length = SizeBySeek(handle);
            var isBlock = RandomAccess.GetLength(handle) != length; // st_size is 0 for a block device node
            if (length % sectorSize != 0)
                throw new InvalidDataException($"disk '{path}' is {length} bytes, not a multiple of the sector size {sectorSize}: the image is truncated or the sector size is wrong");
            return new FileBlockDevice(handle, path, sectorSize, length, isBlock);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        Check(offset, buffer.Length);
        while (buffer.Length > 0)
        {
            var n = RandomAccess.Read(_handle, buffer, offset);
            if (n <= 0) throw new EndOfStreamException($"short read at {offset} on '{Path}'");
            buffer = buffer[n..];
            offset += n;
        }
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Check(offset, data.Length);
        RandomAccess.Write(_handle, data, offset); // loops internally until everything is written
    }

    /// <summary>fdatasync(2): file data and the metadata needed to read it back (size) reach stable storage.</summary>
    public void Flush()
    {
        if (OperatingSystem.IsLinux())
        {
            var added = false;
            _handle.DangerousAddRef(ref added);
            try
            {
                if (fdatasync((int)_handle.DangerousGetHandle()) != 0)
                    throw new IOException($"fdatasync failed on '{Path}' (errno {Marshal.GetLastPInvokeError()}): data may not be durable");
            }
            finally
            {
                if (added) _handle.DangerousRelease();
            }
        }
        else RandomAccess.FlushToDisk(_handle);
        FlushCount++;
    }

    /// <summary>
    /// Grows or shrinks an image file (not a block device). Growing is sparse. The GPT's backup header then sits in the
    /// middle of the disk; run the GPT repair to move it to the new end.
    /// </summary>
    public void Resize(long length)
    {
        if (IsBlockDevice) throw new InvalidOperationException($"'{Path}' is a block device: its size is fixed by the hardware");
        if (length <= 0 || length % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be a positive multiple of {SectorSize}");
        RandomAccess.SetLength(_handle, length);
        Length = length;
    }

    /// <summary>Closes the file and releases the lock (flock locks die with the descriptor).</summary>
    public void Dispose() => _handle.Dispose();

    private void Check(long offset, int count)
    {
        if (offset < 0 || offset % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset must be a non-negative multiple of the sector size {SectorSize}");
        if (count % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"length must be a multiple of the sector size {SectorSize}");
        if (offset + count > Length) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"I/O of {count} bytes at {offset} runs past the end of '{Path}' ({Length} bytes)");
    }

    private static void CheckSectorSize(int sectorSize)
    {
        if (sectorSize is not (512 or 4096)) throw new ArgumentOutOfRangeException(nameof(sectorSize), sectorSize, "sector size must be 512 or 4096");
    }

    private static long SizeBySeek(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return RandomAccess.GetLength(handle);
        // A block device reports st_size 0; seeking to the end gives its real size (as blockdev --getsize64 does).
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var end = lseek((int)handle.DangerousGetHandle(), 0, SeekEnd);
            if (end < 0) throw new IOException($"lseek failed (errno {Marshal.GetLastPInvokeError()})");
            return end;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static void Lock(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux()) return; // elsewhere FileShare semantics are the best available
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (flock((int)handle.DangerousGetHandle(), LockEx | LockNb) == 0) return;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EWouldBlock) throw new DeviceLockedException(path);
            throw new IOException($"flock on '{path}' failed (errno {errno})");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private const int SharingViolation = unchecked((int)0x80070020);
    private const int LockEx = 2, LockNb = 4, EWouldBlock = 11, SeekEnd = 2;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);
}
