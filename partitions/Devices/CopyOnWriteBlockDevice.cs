namespace Talos.Partitions.Devices;

/// <summary>
/// An in-memory block device that shares unchanged pages with its forks: a zero (or caller-given, immutable) base plus
/// a sparse map of written 4 KiB pages. <see cref="Fork"/> costs one dictionary copy of the written pages, not a copy of
/// the disk; afterwards a write to a shared page copies that page first, so the fork and the original never see each
/// other's writes. Reads and writes behave exactly like <see cref="MemoryBlockDevice"/> (same alignment and range checks).
/// </summary>
/// <remarks>
/// Why: the simulation takes a crash image of a 12 MiB disk for every crash state (thousands per run); a full copy per
/// state was most of the simulator's allocation and a large share of its time (issue #11). With this device a crash image
/// is a fork plus the few pages the crash changes. Not thread-safe (like every simulated disk: one node owns it).
/// </remarks>
public sealed class CopyOnWriteBlockDevice : IBlockDevice, IDataExtents
{
    private readonly ReadOnlyMemory<byte> _base;   // empty: an all-zero base
    private readonly bool[]? _baseData;   // per page: the base page holds a non-zero byte (null: all-zero base); shared by forks
    private readonly Dictionary<long, byte[]> _pages;
    private HashSet<long> _owned;   // pages this device may write in place (not shared with a fork)

    /// <summary>Creates a zero-filled device of <paramref name="length"/> bytes (no memory is taken until pages are written).</summary>
    public CopyOnWriteBlockDevice(long length, int sectorSize = 512)
        : this(ReadOnlyMemory<byte>.Empty, null, length, sectorSize, new Dictionary<long, byte[]>(), [])
    {
    }

    private CopyOnWriteBlockDevice(ReadOnlyMemory<byte> @base, bool[]? baseData, long length, int sectorSize, Dictionary<long, byte[]> pages, HashSet<long> owned)
    {
        if (sectorSize is not (512 or 4096)) throw new ArgumentOutOfRangeException(nameof(sectorSize), sectorSize, "sector size must be 512 or 4096");
        if (length <= 0 || length % sectorSize != 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be a positive multiple of {sectorSize}");
        _base = @base;
        _baseData = baseData;
        _pages = pages;
        _owned = owned;
        SectorSize = sectorSize;
        Length = length;
    }

    /// <summary>
    /// A device whose initial content is a copy of <paramref name="image"/> (copied once; forks share it).
    /// </summary>
    public static CopyOnWriteBlockDevice FromImage(ReadOnlySpan<byte> image, int sectorSize = 512)
    {
        var baseData = new bool[(image.Length + PageSize - 1) / PageSize];
        for (var p = 0; p < baseData.Length; p++)
            baseData[p] = image.Slice(p * PageSize, Math.Min(PageSize, image.Length - p * PageSize)).ContainsAnyExcept((byte)0);
        return new(image.ToArray(), baseData, image.Length, sectorSize, new Dictionary<long, byte[]>(), []);
    }

    /// <summary>Page size: a whole number of sectors, so no sector straddles two pages.</summary>
    public const int PageSize = 4096;

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public long Length { get; }

    /// <summary>Number of pages that differ from the base (for tests and benchmarks).</summary>
    public int WrittenPages => _pages.Count;

    /// <summary>
    /// An independent device with this device's current content. Both keep sharing the pages written so far until one of
    /// them writes to a page, which then gets its own copy.
    /// </summary>
    public CopyOnWriteBlockDevice Fork()
    {
        _owned = [];   // every page is now shared: the next write to it copies it
        return new CopyOnWriteBlockDevice(_base, _baseData, Length, SectorSize, new Dictionary<long, byte[]>(_pages), []);
    }

    /// <summary>The whole content as one array (tests and diagnostics; a full copy).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Read(0, bytes);
        return bytes;
    }

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        CheckRange(offset, buffer.Length);
        while (buffer.Length > 0)
        {
            var page = offset / PageSize;
            var within = (int)(offset % PageSize);
            var n = Math.Min(buffer.Length, PageSize - within);
            var chunk = buffer[..n];
            if (_pages.TryGetValue(page, out var p)) p.AsSpan(within, n).CopyTo(chunk);
            else ReadBase(offset, chunk);
            offset += n;
            buffer = buffer[n..];
        }
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        CheckRange(offset, data.Length);
        while (data.Length > 0)
        {
            var page = offset / PageSize;
            var within = (int)(offset % PageSize);
            var n = Math.Min(data.Length, PageSize - within);
            if (!WritesZeroPage(page, within, data[..n])) data[..n].CopyTo(WritablePage(page).AsSpan(within, n));
            offset += n;
            data = data[n..];
        }
    }

    /// <inheritdoc />
    public void Flush() => FlushCount++;

    /// <summary>
    /// Pages never written (in this device or, before a fork, in its parent) whose base page is zero read as zero: only
    /// written pages and non-zero base pages may hold data. A run of such pages is returned as one extent.
    /// </summary>
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd)
    {
        DataExtents.CheckRange(this, offset, end);
        for (var at = offset; at < end; at = NextPage(at, end))
        {
            if (!PageMayHoldData(at / PageSize)) continue;
            var to = NextPage(at, end);
            while (to < end && PageMayHoldData(to / PageSize)) to = NextPage(to, end);
            (dataStart, dataEnd) = (at, to);
            return true;
        }
        dataStart = dataEnd = end;
        return false;
    }

    private static long NextPage(long at, long end) => Math.Min(end, (at / PageSize + 1) * PageSize);

    private bool PageMayHoldData(long page) => _pages.ContainsKey(page) || (_baseData is { } b && b[page]);

    /// <summary>Number of completed <see cref="Flush"/> calls.</summary>
    public long FlushCount { get; private set; }

    /// <inheritdoc />
    public void Dispose() { }

    /// <summary>
    /// A write of zeros over a whole page whose base is zero: the page goes back to "never written" (it reads as zero
    /// either way) instead of taking 4 KiB. Why: META zeroes whole regions (creation, checkpoints) and the simulation
    /// crash-copies those disks thousands of times; unwritten pages are also what <see cref="TryFindData"/> can skip.
    /// Forks keep their own copy of the page map, so dropping the page here never changes a fork.
    /// </summary>
    private bool WritesZeroPage(long page, int within, ReadOnlySpan<byte> chunk)
    {
        if (within != 0 || chunk.Length != Math.Min(PageSize, Length - page * PageSize)) return false;
        if (_baseData is { } b && b[page]) return false;
        if (chunk.ContainsAnyExcept((byte)0)) return false;
        _pages.Remove(page);
        _owned.Remove(page);
        return true;
    }

    /// <summary>The page, owned by this device: copied from the shared page or the base on first write.</summary>
    private byte[] WritablePage(long page)
    {
        if (_owned.Contains(page)) return _pages[page];
        // The last page of a device whose length is not a multiple of the page size is shorter.
        var size = (int)Math.Min(PageSize, Length - page * PageSize);
        byte[] copy;
        if (_pages.TryGetValue(page, out var shared)) copy = (byte[])shared.Clone();
        else if (_base.IsEmpty) copy = new byte[size];
        else ReadBase(page * PageSize, copy = GC.AllocateUninitializedArray<byte>(size));   // every byte copied from the base
        _pages[page] = copy;
        _owned.Add(page);
        return copy;
    }

    private void ReadBase(long offset, Span<byte> chunk)
    {
        if (_base.IsEmpty) chunk.Clear();
        else _base.Span.Slice((int)offset, chunk.Length).CopyTo(chunk);
    }

    private void CheckRange(long offset, int count)
    {
        if (offset < 0 || offset % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset must be a non-negative multiple of the sector size {SectorSize}");
        if (count % SectorSize != 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"length must be a multiple of the sector size {SectorSize}");
        if (offset + count > Length) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"I/O of {count} bytes at {offset} runs past the end of the device ({Length} bytes)");
    }
}
