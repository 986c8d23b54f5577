namespace Talos.Partitions.Devices;

/// <summary>
/// What a simulated power loss may do to the writes that were not yet flushed, and which media faults it adds
/// (see the fault model at the top of <see cref="PowerLossSimulator"/>). Each pending write independently gets
/// a fate: kept with <see cref="KeepProbability"/>, torn with <see cref="TearProbability"/>, dropped otherwise.
/// </summary>
public sealed record CrashModel
{
    /// <summary>Probability that a pending write survives whole. Default 0.5.</summary>
    public double KeepProbability { get; init; } = 0.5;

    /// <summary>Probability that a pending write is torn at sector granularity (some sectors new, some old). Default 0.25.</summary>
    public double TearProbability { get; init; } = 0.25;

    /// <summary>When a write is torn, with probability 0.5 one of its sectors holds garbage (FoundationDB's corrupt page). Default off.</summary>
    public bool TornSectorGarbage { get; init; }

    /// <summary>One pending write (chosen by the seed) lands at a wrong sector; its own range keeps the old bytes (TigerBeetle). Default off.</summary>
    public bool MisdirectOneWrite { get; init; }

    /// <summary>Sectors (sector numbers, not bytes) that fail to read after the crash (latent sector errors).</summary>
    public IReadOnlyList<long> UnreadableSectors { get; init; } = [];

    /// <summary>
    /// This many distinct sectors, chosen by the seed among those the pending writes touched, fail to read after the crash
    /// (a write interrupted mid-sector can leave a sector whose ECC no longer matches). Default 0.
    /// </summary>
    public int ReadErrorsInPendingWrites { get; init; }

    /// <summary>Every pending write is lost: the disk is exactly as of the last flush.</summary>
    public static CrashModel DropAll { get; } = new() { KeepProbability = 0, TearProbability = 0 };

    /// <summary>Every pending write survives: as if the cache drained before the power went.</summary>
    public static CrashModel KeepAll { get; } = new() { KeepProbability = 1, TearProbability = 0 };

    /// <summary>FoundationDB-like: keep, drop or tear each pending write; torn writes may carry garbage.</summary>
    public static CrashModel Default { get; } = new() { TornSectorGarbage = true };

    /// <summary>Everything on: tearing with garbage and one misdirected write.</summary>
    public static CrashModel Harsh { get; } = new() { TornSectorGarbage = true, MisdirectOneWrite = true };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when the probabilities are not a valid distribution.</summary>
    public void Validate()
    {
        if (KeepProbability is < 0 or > 1 || double.IsNaN(KeepProbability))
            throw new ArgumentOutOfRangeException(nameof(KeepProbability), KeepProbability, "must be in [0, 1]");
        if (TearProbability is < 0 or > 1 || double.IsNaN(TearProbability))
            throw new ArgumentOutOfRangeException(nameof(TearProbability), TearProbability, "must be in [0, 1]");
        if (KeepProbability + TearProbability > 1 + 1e-12)
            throw new ArgumentOutOfRangeException(nameof(TearProbability), TearProbability, $"keep ({KeepProbability}) + tear must not exceed 1");
        if (ReadErrorsInPendingWrites < 0) throw new ArgumentOutOfRangeException(nameof(ReadErrorsInPendingWrites), ReadErrorsInPendingWrites, "must be non-negative");
        foreach (var s in UnreadableSectors)
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(UnreadableSectors), s, "sector numbers are non-negative");
    }
}

/// <summary>What a crash did to one pending write.</summary>
public enum WriteFate
{
    /// <summary>All sectors of the write reached the media.</summary>
    Kept,
    /// <summary>No sector reached the media.</summary>
    Dropped,
    /// <summary>Some sectors new, some old (and possibly one of garbage).</summary>
    Torn,
    /// <summary>The write landed at <see cref="PendingWriteOutcome.MisdirectedTo"/>; its own range is unchanged.</summary>
    Misdirected,
}

/// <summary>The fate of one pending write in a crash, for logs and assertions.</summary>
/// <param name="WriteIndex">Global index of the write (0-based, <see cref="PowerLossSimulator.WriteCount"/> at the time).</param>
/// <param name="Offset">Byte offset the caller asked for.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Fate">What happened.</param>
/// <param name="NewSectorMask">For torn writes: which sectors of the write hold new data (bit i = sector i; null for other fates or writes over 64 sectors, where <see cref="NewSectors"/> counts).</param>
/// <param name="NewSectors">How many sectors of the write hold the new data.</param>
/// <param name="GarbageSector">Absolute sector number filled with garbage, if any.</param>
/// <param name="MisdirectedTo">Byte offset the write landed at, if misdirected.</param>
public sealed record PendingWriteOutcome(long WriteIndex, long Offset, int Length, WriteFate Fate, ulong? NewSectorMask, int NewSectors, long? GarbageSector, long? MisdirectedTo);
