using Talos.Partitions.Devices;

namespace Talos.Partitions.Audit;

/// <summary>
/// A captured disk image opened strictly read-only (the file is opened with read access only, so even a
/// write-protected evidence copy works and nothing can change it). Writes and flushes throw.
/// </summary>
public sealed class ImageFile : IBlockDevice
{
    private readonly FileStream _file;

    private ImageFile(FileStream file, int sectorSize)
    {
        _file = file;
        SectorSize = sectorSize;
        Length = file.Length;
    }

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The size is not a whole number of sectors (a truncated capture).</exception>
    public static ImageFile Open(string path, int sectorSize = 512)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"disk image '{path}' does not exist", path);
        var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        if (f.Length == 0 || f.Length % sectorSize != 0)
        {
            f.Dispose();
            throw new InvalidDataException($"disk image '{path}' is {new FileInfo(path).Length} bytes, not a whole number of {sectorSize}-byte sectors: the capture is truncated");
        }
        return new ImageFile(f, sectorSize);
    }

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public long Length { get; }

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset + buffer.Length > Length) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"read of {buffer.Length} bytes past the image end {Length}");
        while (buffer.Length > 0)
        {
            var n = RandomAccess.Read(_file.SafeFileHandle, buffer, offset);
            if (n == 0) throw new EndOfStreamException($"image ended at {offset}");
            buffer = buffer[n..];
            offset += n;
        }
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data) => throw new InvalidOperationException("the disk image is opened read-only for audit");

    /// <inheritdoc />
    public void Flush() => throw new InvalidOperationException("the disk image is opened read-only for audit");

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
