namespace Talos.Partitions.Devices;

public sealed partial class PowerLossSimulator
{
    /// <summary>
    /// Returns the disk as it could look after a power loss now, under <paramref name="model"/>; deterministic for
    /// <paramref name="seed"/>. Does not change the simulator, so it can be called with many seeds.
    /// </summary>
    public CrashedDisk Crash(ulong seed, CrashModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        var image = DurableDevice();
        var latent = LatentSectors();
        var rng = new SplitMix64(seed);
        var misdirect = model.MisdirectOneWrite && _pending.Count > 0 ? rng.NextLong(_pending.Count) : -1;
        var outcomes = new List<PendingWriteOutcome>(_pending.Count);
        for (var i = 0; i < _pending.Count; i++)
        {
            var w = _pending[i];
            if (i == misdirect) { outcomes.Add(Misdirect(image, w, ref rng)); continue; }
            var r = rng.NextDouble();
            if (r < model.KeepProbability) outcomes.Add(Keep(image, w));
            else if (r < model.KeepProbability + model.TearProbability) outcomes.Add(Tear(image, w, model.TornSectorGarbage, ref rng));
            else outcomes.Add(Dropped(w));
        }
        return new CrashedDisk(image, UnreadableSectors(model, ref rng).Concat(latent), outcomes, seed);
    }

    /// <summary>
    /// Every subset of the pending writes kept whole, the rest dropped (2^n disks, no tearing): the exhaustive
    /// companion of <see cref="Crash"/> for small scenarios. Disk i keeps pending write j when bit j of i is set;
    /// its <see cref="CrashedDisk.Seed"/> is i.
    /// </summary>
    public IEnumerable<CrashedDisk> EveryKeepDropCombination(int maxPendingWrites = 16)
    {
        if (_pending.Count > maxPendingWrites)
            throw new InvalidOperationException($"{_pending.Count} pending writes give 2^{_pending.Count} combinations; raise maxPendingWrites or use Crash(seed, model)");
        var pending = _pending.ToArray(); // snapshot: the enumeration is lazy
        var durable = DurableImage();
        var latent = LatentSectors();
        for (ulong mask = 0; mask < 1UL << pending.Length; mask++)
        {
            var image = MemoryBlockDevice.Adopt((byte[])durable.Clone(), SectorSize);
            var outcomes = new List<PendingWriteOutcome>(pending.Length);
            for (var j = 0; j < pending.Length; j++)
                outcomes.Add((mask >> j & 1) == 1 ? Keep(image, pending[j]) : Dropped(pending[j]));
            yield return new CrashedDisk(image, latent, outcomes, mask);
        }
    }

    /// <summary>Latent sector errors of a crashed disk underneath: they survive this power loss too (until a write remaps them).</summary>
    private long[] LatentSectors() => _inner is CrashedDisk below ? [.. below.UnreadableSectors] : [];

    /// <summary>The model's chosen sectors plus <see cref="CrashModel.ReadErrorsInPendingWrites"/> seed-chosen sectors that pending writes touched.</summary>
    private List<long> UnreadableSectors(CrashModel model, ref SplitMix64 rng)
    {
        var sectors = Length / SectorSize;
        foreach (var s in model.UnreadableSectors)
            if (s >= sectors) throw new ArgumentOutOfRangeException(nameof(model), s, $"unreadable sector {s} is beyond the last sector {sectors - 1}");
        var result = new List<long>(model.UnreadableSectors);
        if (model.ReadErrorsInPendingWrites == 0) return result;
        var touched = _pending.SelectMany(w => Enumerable.Range(0, w.New.Length / SectorSize).Select(i => w.Offset / SectorSize + i))
            .Distinct().Order().ToList();
        for (var i = 0; i < model.ReadErrorsInPendingWrites && touched.Count > 0; i++)
        {
            var pick = (int)rng.NextLong(touched.Count);
            result.Add(touched[pick]);
            touched.RemoveAt(pick);
        }
        return result;
    }

    /// <summary>
    /// A private device holding the content as of the last flush. Over a copy-on-write disk (or a crashed one without
    /// unreadable sectors) that is a fork with the pending writes undone, newest first; otherwise a full copy
    /// (<see cref="DurableImage"/>). Both give the same bytes.
    /// </summary>
    private IBlockDevice DurableDevice()
    {
        var fork = _inner switch
        {
            CopyOnWriteBlockDevice c => c.Fork(),
            CrashedDisk d => d.ForkIfCopyOnWrite(),
            _ => null,
        };
        if (fork is null) return MemoryBlockDevice.Adopt(DurableImage(), SectorSize);
        for (var i = _pending.Count - 1; i >= 0; i--) fork.Write(_pending[i].Offset, _pending[i].Old);
        return fork;
    }

    /// <summary>The bytes as of the last flush: the current content with pending writes undone newest first.</summary>
    private byte[] DurableImage()
    {
        var image = new byte[Length];
        // A crashed disk's raw bytes: its unreadable sectors are carried over as such by the caller, not read through.
        var source = _inner is CrashedDisk below ? below.Image : _inner;
        const int chunk = 1 << 20;
        for (long at = 0; at < Length; at += chunk)
        {
            var n = (int)Math.Min(chunk, Length - at);
            source.Read(at, image.AsSpan((int)at, n));
        }
        for (var i = _pending.Count - 1; i >= 0; i--)
            _pending[i].Old.CopyTo(image.AsSpan((int)_pending[i].Offset));
        return image;
    }

    private PendingWriteOutcome Keep(IBlockDevice image, PendingWrite w)
    {
        image.Write(w.Offset, w.New);
        return KeptOutcome(w);
    }

    private PendingWriteOutcome Tear(IBlockDevice image, PendingWrite w, bool garbage, ref SplitMix64 rng)
    {
        var ss = SectorSize;
        var n = w.New.Length / ss;
        var newSector = new bool[n];
        if (n >= 2)
        {
            switch (rng.NextLong(3))
            {
                case 0: // torn left: a prefix reached the media
                    var p = 1 + (int)rng.NextLong(n - 1);
                    for (var i = 0; i < p; i++) newSector[i] = true;
                    break;
                case 1: // torn right: a suffix reached the media
                    var q = 1 + (int)rng.NextLong(n - 1);
                    for (var i = n - q; i < n; i++) newSector[i] = true;
                    break;
                default: // scattered, at least one new and one old sector
                    for (var i = 0; i < n; i++) newSector[i] = (rng.Next() & 1) == 1;
                    var a = (int)rng.NextLong(n);
                    var b = (a + 1 + (int)rng.NextLong(n - 1)) % n;
                    newSector[a] = true;
                    newSector[b] = false;
                    break;
            }
        }
        else if (!garbage) return Dropped(w); // one sector is atomic
        ulong? mask = n <= 64 ? 0UL : null;
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            if (!newSector[i]) continue;
            image.Write(w.Offset + (long)i * ss, w.New.AsSpan(i * ss, ss));
            count++;
            if (mask.HasValue) mask |= 1UL << i;
        }
        long? garbageSector = null;
        if (garbage && (n == 1 || rng.NextDouble() < 0.5))
        {
            var g = (int)rng.NextLong(n);
            var noise = new byte[ss];
            rng.Fill(noise);
            image.Write(w.Offset + (long)g * ss, noise);
            garbageSector = w.Offset / ss + g;
        }
        return new PendingWriteOutcome(w.Index, w.Offset, w.New.Length, WriteFate.Torn, mask, count, garbageSector, null);
    }

    private PendingWriteOutcome Misdirect(IBlockDevice image, PendingWrite w, ref SplitMix64 rng)
    {
        var positions = (Length - w.New.Length) / SectorSize + 1;
        if (positions <= 1) return Dropped(w); // nowhere else to land
        var slot = rng.NextLong(positions - 1);
        var target = slot * SectorSize;
        if (target >= w.Offset) target += SectorSize; // skip the intended offset
        image.Write(target, w.New);
        return new PendingWriteOutcome(w.Index, w.Offset, w.New.Length, WriteFate.Misdirected, null, 0, null, target);
    }

    private PendingWriteOutcome Dropped(PendingWrite w) => new(w.Index, w.Offset, w.New.Length, WriteFate.Dropped, 0UL, 0, null, null);

    private PendingWriteOutcome KeptOutcome(PendingWrite w)
    {
        var n = w.New.Length / SectorSize;
        ulong? mask = n > 64 ? null : n == 64 ? ulong.MaxValue : (1UL << n) - 1;
        return new(w.Index, w.Offset, w.New.Length, WriteFate.Kept, mask, n, null, null);
    }
}
