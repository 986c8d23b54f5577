namespace Talos.Partitions.Devices;

/// <summary>
/// The disk as it looks after a simulated power loss: a private in-memory copy (<see cref="Image"/>) plus the
/// crash's latent sector errors, which make <see cref="Read"/> throw <see cref="SectorReadException"/>. Writes
/// go to the copy (a write "remaps" an unreadable sector, as real drives do) and never touch the original device.
/// </summary>
/// <remarks>
/// A crash of a simulator over a <see cref="CopyOnWriteBlockDevice"/> gives a copy-on-write fork instead of a full copy;
/// the first use of <see cref="Image"/> turns it into a <see cref="MemoryBlockDevice"/> once, and from then on every read
/// and write goes to that image (so the two views never disagree).
/// </remarks>
public sealed class CrashedDisk : IBlockDevice, IDataExtents
{
    private readonly HashSet<long> _unreadable;
    private IBlockDevice _device;   // the MemoryBlockDevice image, or a copy-on-write fork until Image is asked for

    internal CrashedDisk(IBlockDevice image, IEnumerable<long> unreadableSectors, IReadOnlyList<PendingWriteOutcome> outcomes, ulong seed)
    {
        _device = image;
        _unreadable = [.. unreadableSectors];
        Outcomes = outcomes;
        Seed = seed;
    }

    /// <summary>The post-crash bytes (a copy-on-write image is turned into a memory image on first use).</summary>
    public MemoryBlockDevice Image
    {
        get
        {
            if (_device is MemoryBlockDevice m) return m;
            var bytes = new byte[_device.Length];
            _device.Read(0, bytes);
            var image = MemoryBlockDevice.Adopt(bytes, _device.SectorSize);
            _device = image;
            return image;
        }
    }

    /// <summary>
    /// A copy-on-write fork of the current content, when this disk is copy-on-write and has no unreadable sector (a
    /// crash then forks instead of copying); null otherwise.
    /// </summary>
    internal CopyOnWriteBlockDevice? ForkIfCopyOnWrite() => _unreadable.Count == 0 && _device is CopyOnWriteBlockDevice c ? c.Fork() : null;

    /// <summary>What the crash did to each pending write, in write order.</summary>
    public IReadOnlyList<PendingWriteOutcome> Outcomes { get; }

    /// <summary>Seed that produced this disk (print it with every failure).</summary>
    public ulong Seed { get; }

    /// <summary>Sectors that currently fail to read.</summary>
    public IReadOnlyCollection<long> UnreadableSectors => _unreadable;

    /// <inheritdoc />
    public int SectorSize => _device.SectorSize;

    /// <inheritdoc />
    public long Length => _device.Length;

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        if (_unreadable.Count > 0)
        {
            var first = offset / SectorSize;
            var count = buffer.Length / SectorSize;
            for (var s = first; s < first + count; s++)
                if (_unreadable.Contains(s)) throw new SectorReadException(s, SectorSize);
        }
        _device.Read(offset, buffer);
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        _device.Write(offset, data);
        var first = offset / SectorSize;
        for (var s = first; s < first + data.Length / SectorSize; s++) _unreadable.Remove(s);
    }

    /// <inheritdoc />
    public void Flush() => _device.Flush();

    /// <summary>
    /// The image's answer (torn, garbage and misdirected writes are in the image's bytes), except that an unreadable
    /// sector before the image's first data is returned first: it must be read (and fail) like any other.
    /// </summary>
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd)
    {
        DataExtents.CheckRange(this, offset, end);
        var found = DataExtents.TryFindData(_device, offset, end, out dataStart, out dataEnd);
        var limit = found ? dataStart : end;
        long? bad = null;
        foreach (var s in _unreadable)
            if (s * SectorSize >= offset && s * SectorSize < limit && (bad is null || s < bad)) bad = s;
        if (bad is not { } b) return found;
        (dataStart, dataEnd) = (b * SectorSize, (b + 1) * SectorSize);
        return true;
    }

    /// <inheritdoc />
    public void Dispose() { }

    /// <inheritdoc />
    public override string ToString() =>
        $"crash seed {Seed}: " + string.Join(", ", Outcomes.Select(o => $"w{o.WriteIndex}@{o.Offset}+{o.Length}={o.Fate}"));
}
