using Talos.Partitions.Devices;

namespace Talos.Upgrade.Tests.Support;

/// <summary>Thrown by <see cref="PowerLossDevice"/> when the simulated power goes out.</summary>
internal sealed class PowerLostException() : Exception("simulated power loss");

/// <summary>
/// Test-only power-loss model for slot writes. Fault model: writes are held in a volatile cache until
/// <see cref="Flush"/>; at the crash (the write or flush numbered <c>crashAt</c>, counting from 0) a seeded
/// random subset of the cached sectors reaches the media (the cache may persist any subset in any order) and
/// the rest is lost. After the crash every operation throws.
/// </summary>
internal sealed class PowerLossDevice(MemoryBlockDevice media, int crashAt, int seed) : IBlockDevice
{
    private readonly List<(long Offset, byte[] Sector)> _pending = [];
    private readonly Random _random = new(seed);
    private int _ops;
    public bool Crashed { get; private set; }

    public int SectorSize => media.SectorSize;
    public long Length => media.Length;

    public void Read(long offset, Span<byte> buffer)
    {
        Tick();
        media.Read(offset, buffer);
        // Reads see the cache, as a real page cache would.
        foreach (var (off, sector) in _pending)
            if (off >= offset && off < offset + buffer.Length) sector.CopyTo(buffer[(int)(off - offset)..]);
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Tick();
        for (var i = 0; i < data.Length; i += SectorSize) _pending.Add((offset + i, data.Slice(i, SectorSize).ToArray()));
    }

    public void Flush()
    {
        Tick();
        foreach (var (off, sector) in _pending) media.Write(off, sector);
        _pending.Clear();
    }

    public void Dispose() { }

    private void Tick()
    {
        if (Crashed) throw new PowerLostException();
        if (_ops++ < crashAt) return;
        Crashed = true;
        foreach (var (off, sector) in _pending)
            if (_random.Next(2) == 0) media.Write(off, sector);
        _pending.Clear();
        throw new PowerLostException();
    }

    /// <summary>Operations performed so far (to size an exhaustive crash loop).</summary>
    public int Operations => _ops;
}
