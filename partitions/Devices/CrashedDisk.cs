namespace Talos.Partitions.Devices;

/// <summary>
/// The disk as it looks after a simulated power loss: a private in-memory copy (<see cref="Image"/>) plus the
/// crash's latent sector errors, which make <see cref="Read"/> throw <see cref="SectorReadException"/>. Writes
/// go to the copy (a write "remaps" an unreadable sector, as real drives do) and never touch the original device.
/// </summary>
public sealed class CrashedDisk : IBlockDevice
{
    private readonly HashSet<long> _unreadable;

    internal CrashedDisk(MemoryBlockDevice image, IEnumerable<long> unreadableSectors, IReadOnlyList<PendingWriteOutcome> outcomes, ulong seed)
    {
        Image = image;
        _unreadable = [.. unreadableSectors];
        Outcomes = outcomes;
        Seed = seed;
    }

    /// <summary>The post-crash bytes.</summary>
    public MemoryBlockDevice Image { get; }

    /// <summary>What the crash did to each pending write, in write order.</summary>
    public IReadOnlyList<PendingWriteOutcome> Outcomes { get; }

    /// <summary>Seed that produced this disk (print it with every failure).</summary>
    public ulong Seed { get; }

    /// <summary>Sectors that currently fail to read.</summary>
    public IReadOnlyCollection<long> UnreadableSectors => _unreadable;

    /// <inheritdoc />
    public int SectorSize => Image.SectorSize;

    /// <inheritdoc />
    public long Length => Image.Length;

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
        Image.Read(offset, buffer);
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Image.Write(offset, data);
        var first = offset / SectorSize;
        for (var s = first; s < first + data.Length / SectorSize; s++) _unreadable.Remove(s);
    }

    /// <inheritdoc />
    public void Flush() => Image.Flush();

    /// <inheritdoc />
    public void Dispose() { }

    /// <inheritdoc />
    public override string ToString() =>
        $"crash seed {Seed}: " + string.Join(", ", Outcomes.Select(o => $"w{o.WriteIndex}@{o.Offset}+{o.Length}={o.Fate}"));
}
