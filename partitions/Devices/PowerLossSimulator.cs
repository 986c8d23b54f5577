namespace Talos.Partitions.Devices;

/// <summary>
/// A block device that remembers every write since the last flush and can show what the disk could look like
/// if the power failed now. Wraps any <see cref="IBlockDevice"/>; reads see the latest writes (the volatile cache).
/// </summary>
/// <remarks>
/// <para><b>Fault model</b> (after FoundationDB's <c>AsyncFileNonDurable</c> and TigerBeetle's <c>testing/storage.zig</c>,
/// see research/anchors.md §B). Issue #3.</para>
/// <list type="number">
/// <item>Data written before a completed <see cref="Flush"/> always survives (unless a media fault below hits it).</item>
/// <item>Each write issued after the last flush ("pending") independently gets a fate from the <see cref="CrashModel"/>:
/// <b>kept</b> (all sectors new), <b>dropped</b> (all sectors old) or <b>torn</b> at sector granularity: the new data
/// reached a prefix (torn left), a suffix (torn right) or a scattered subset of the write's sectors, and the others
/// hold the old data. A sector itself is atomic, except that a torn write may leave one sector of random garbage
/// (FoundationDB's corrupted page). A one-sector write cannot be torn, so "torn" means garbage or, without garbage, dropped.</item>
/// <item>Pending writes may reach the media in any order: fates are chosen per write, so a later write may be kept while an
/// earlier one is dropped. Writes are applied in issue order, so where two pending writes overlap and both are kept
/// the later one wins.</item>
/// <item>Media faults (optional): one pending write is <b>misdirected</b> (lands at a wrong, seed-chosen sector, its own range
/// keeping the old data; it may overwrite flushed data, as in TigerBeetle), and chosen sectors (or seed-chosen sectors that
/// pending writes touched) return <b>read errors</b>
/// (<see cref="SectorReadException"/>) until rewritten.</item>
/// <item>Everything is a pure function of (pending writes, seed, model): the same seed gives the same disk, byte for byte.</item>
/// </list>
/// <para>Crash points: set <see cref="CrashAtOperation"/> or <see cref="CrashAtWrite"/> and the simulator throws
/// <see cref="PowerLossException"/> from the write or flush that reaches it (that I/O does not happen) and from every later
/// I/O, so a running scenario stops exactly there; then call <see cref="Crash"/>. <see cref="EnumerateCrashPoints"/> re-runs
/// a scenario once per operation. Not thread-safe: one simulated disk belongs to one simulated node.</para>
/// </remarks>
public sealed partial class PowerLossSimulator : IBlockDevice, IDataExtents
{
    private readonly IBlockDevice _inner;
    private readonly List<PendingWrite> _pending = [];
    private long? _crashedAt;

    /// <summary>Wraps <paramref name="inner"/>; its current content counts as flushed.</summary>
    public PowerLossSimulator(IBlockDevice inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (inner.Length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(inner), inner.Length, "the simulator copies the disk into memory on a crash; use a device under 2 GiB");
        _inner = inner;
    }

    /// <summary>Number of writes issued so far (the index of the next write).</summary>
    public long WriteCount { get; private set; }

    /// <summary>Number of completed flushes.</summary>
    public long FlushCount { get; private set; }

    /// <summary>Number of writes plus flushes issued so far (the index of the next operation).</summary>
    public long OperationCount { get; private set; }

    /// <summary>Number of writes since the last flush.</summary>
    public int PendingWriteCount => _pending.Count;

    /// <summary>When set, the write with this global index (0-based) throws <see cref="PowerLossException"/> instead of happening.</summary>
    public long? CrashAtWrite { get; set; }

    /// <summary>When set, the write or flush with this operation index (0-based) throws <see cref="PowerLossException"/> instead of happening.</summary>
    public long? CrashAtOperation { get; set; }

    /// <summary>True once a crash point was reached; all further I/O throws.</summary>
    public bool PowerLost => _crashedAt.HasValue;

    /// <inheritdoc />
    public int SectorSize => _inner.SectorSize;

    /// <inheritdoc />
    public long Length => _inner.Length;

    /// <inheritdoc />
    public void Read(long offset, Span<byte> buffer)
    {
        ThrowIfDead();
        _inner.Read(offset, buffer);
    }

    /// <inheritdoc />
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        ThrowIfDead();
        if (CrashAtWrite == WriteCount || CrashAtOperation == OperationCount) Die(WriteCount);
        if (data.Length == 0) { WriteCount++; OperationCount++; return; }
        var old = GC.AllocateUninitializedArray<byte>(data.Length);   // ReadOld defines every byte (read, or 0xFF)
        ReadOld(offset, old); // also validates alignment and range before anything is recorded
        _inner.Write(offset, data);
        _pending.Add(new PendingWrite(WriteCount, offset, old, data.ToArray()));
        WriteCount++;
        OperationCount++;
    }

    /// <inheritdoc />
    public void Flush()
    {
        ThrowIfDead();
        if (CrashAtOperation == OperationCount) Die(WriteCount);
        _inner.Flush();
        _pending.Clear();
        FlushCount++;
        OperationCount++;
    }

    /// <summary>
    /// The wrapped device's answer: it already holds every write, pending ones included (reads see them too); what a
    /// crash may do to them is the <see cref="CrashedDisk"/>'s business.
    /// </summary>
    public bool TryFindData(long offset, long end, out long dataStart, out long dataEnd)
    {
        ThrowIfDead();
        DataExtents.CheckRange(this, offset, end);
        return DataExtents.TryFindData(_inner, offset, end, out dataStart, out dataEnd);
    }

    /// <summary>Disposes the wrapped device.</summary>
    public void Dispose() => _inner.Dispose();

    /// <summary>
    /// Re-runs <paramref name="scenario"/> on a fresh device once per crash point: with the crash at operation 0, 1, 2, ...
    /// until a run completes. Each yielded point holds the stopped simulator; call <see cref="Crash"/> or
    /// <see cref="EveryKeepDropCombination"/> on it. The last point has <see cref="CrashPoint.Completed"/> set (power lost
    /// after the scenario returned, so its unflushed writes are still at risk).
    /// </summary>
    public static IEnumerable<CrashPoint> EnumerateCrashPoints(Func<IBlockDevice> freshDevice, Action<PowerLossSimulator> scenario, long maxPoints = 100_000)
    {
        ArgumentNullException.ThrowIfNull(freshDevice);
        ArgumentNullException.ThrowIfNull(scenario);
        for (long k = 0; k < maxPoints; k++)
        {
            var sim = new PowerLossSimulator(freshDevice()) { CrashAtOperation = k };
            var completed = false;
            try
            {
                scenario(sim);
                completed = true;
            }
            catch (PowerLossException) { }
            yield return new CrashPoint(k, sim, completed);
            if (completed) yield break;
        }
        throw new InvalidOperationException($"scenario still running after {maxPoints} crash points; raise maxPoints or shorten the scenario");
    }

    /// <summary>
    /// The bytes a write replaces. A sector the wrapped device cannot read (a latent sector error left by an earlier
    /// crash) is still writable, as on a real disk, and writing heals it; its old content is unknowable, so it is
    /// remembered as 0xFF bytes (what a dropped write then leaves there: damage, never valid data).
    /// </summary>
    private void ReadOld(long offset, Span<byte> old)
    {
        try
        {
            _inner.Read(offset, old);
            return;
        }
        catch (SectorReadException) { }
        var ss = _inner.SectorSize;
        for (var at = 0; at < old.Length; at += ss)
        {
            var sector = old.Slice(at, Math.Min(ss, old.Length - at));
            try { _inner.Read(offset + at, sector); }
            catch (SectorReadException) { sector.Fill(0xFF); }
        }
    }

    private void ThrowIfDead()
    {
        if (_crashedAt is { } at) throw new PowerLossException(at);
    }

    private void Die(long writeIndex)
    {
        _crashedAt = writeIndex;
        throw new PowerLossException(writeIndex);
    }

    private sealed record PendingWrite(long Index, long Offset, byte[] Old, byte[] New);
}

/// <summary>One crash point of <see cref="PowerLossSimulator.EnumerateCrashPoints"/>.</summary>
/// <param name="Operation">Operation index at which the power failed (operations = writes and flushes).</param>
/// <param name="Simulator">The stopped simulator (its pending writes are the ones at risk).</param>
/// <param name="Completed">True when the scenario finished before the crash point.</param>
public sealed record CrashPoint(long Operation, PowerLossSimulator Simulator, bool Completed);
