using System.Security.Cryptography;

namespace Talos.Partitions.Meta;

/// <summary>
/// Telling a torn tail from mid-log damage (issue #22, specs/meta-log.md "Recovery"). Batches are written one at a time,
/// each flushed before the next is written, so a power loss can damage only the last batch. After the first bad byte the
/// scan looks for a run of valid, chained records that reaches the clean end of the region (the records kept after the
/// damage), and for proof that a later batch was written after the damaged bytes: a valid frame at or after the damage
/// that ends inside a sector followed by zero padding, with a kept record starting at the next sector. Frames of one
/// batch are contiguous (the next frame would start where that one ends, in the same atomic sector), so such a frame was
/// the last of its batch, a later batch followed, and the damaged bytes before it had been flushed. Without that proof
/// the damage is treated as a torn tail, as before.
/// </summary>
internal static partial class RegionScanner
{
    private readonly record struct Run(List<long> Offsets, List<ulong> Sequences, byte[] LastHash, long End);

    private static Result? WithDamage(Result prefix, byte[] region, int sector, ulong expectedSeq, long regionOffset)
    {
        var from = prefix.ValidEnd;
        var valid = new Dictionary<long, int>();   // offset -> length of every checksum-valid frame met after `from`
        var run = FindTailRun(region, from, sector, expectedSeq, valid, regionOffset);
        if (run is not { } r || !LaterBatchFollows(region, from, sector, valid, r)) return null;

        var q = r.Offsets[0];
        var firstAfter = region.AsSpan((int)q);
        var damage = new LogDamage(expectedSeq, r.Sequences[0] - 1, regionOffset + from, q - from,
            SHA256.HashData(region.AsSpan((int)from, (int)(q - from))), prefix.LastHash,
            RecordFrame.PreviousHash(firstAfter).ToArray(), r.Sequences[0], r.Sequences[^1],
            region.AsSpan((int)from, (int)Math.Min(q - from, LogDamage.MaxExcerpt)).ToArray());
        var offsets = new long[prefix.Count + r.Offsets.Count];
        Array.Copy(prefix.Offsets, offsets, prefix.Count);
        r.Offsets.CopyTo(offsets, prefix.Count);
        return new Result(offsets, offsets.Length, r.End, r.LastHash, prefix.Reason, r.End, $"{prefix.Detail}; {damage.Describe()}")
        {
            Damage = damage,
            GapIndex = prefix.Count,
            GapSkip = r.Sequences[0] - expectedSeq,
            GapHash = prefix.LastHash,
        };
    }

    // The earliest run of valid, consecutive, chained frames after `from` that reaches the clean (all-zero) end of the
    // region. Candidates: `from` itself, every sector start after it, and a checksum-valid frame a run stopped at.
    private static Run? FindTailRun(byte[] region, long from, int sector, ulong expectedSeq, Dictionary<long, int> valid, long regionOffset)
    {
        var candidate = from;
        while (candidate < region.Length)
        {
            var (run, failedAt, restartHere) = TryRun(region, candidate, sector, expectedSeq, valid, regionOffset);
            if (run is not null) return run;
            candidate = restartHere && failedAt > candidate ? failedAt : (Math.Max(candidate, failedAt) / sector + 1) * sector;
        }
        return null;
    }

    private static (Run? Run, long FailedAt, bool RestartHere) TryRun(byte[] region, long start, int sector, ulong expectedSeq,
        Dictionary<long, int> valid, long regionOffset)
    {
        var offsets = new List<long>();
        var seqs = new List<ulong>();
        var hash = new byte[RecordFrame.HashSize];
        var pos = start;
        while (pos < region.Length)
        {
            var rest = region.AsSpan((int)pos);
            if (!RecordFrame.HasMagic(rest))
            {
                if (pos % sector == 0 || offsets.Count == 0) break;
                pos = (pos / sector + 1) * sector;
                continue;
            }
            var status = RecordFrame.Check(rest, out var len);
            if (status == FrameStatus.UnknownVersion) throw new MetaLogUnsupportedVersionException("record", regionOffset + pos, rest[4]);
            if (status != FrameStatus.Ok) return (null, pos, false);
            valid[pos] = len;
            var frame = rest[..len];
            var seq = RecordFrame.Sequence(frame);
            var links = offsets.Count == 0 ? seq >= expectedSeq : seq == seqs[^1] + 1 && RecordFrame.PreviousHash(frame).SequenceEqual(hash);
            if (!links) return (null, pos, true);
            RecordFrame.Hash(frame, hash);
            offsets.Add(pos);
            seqs.Add(seq);
            pos += len;
        }
        if (offsets.Count == 0) return (null, pos, false);
        var end = offsets[^1] + RecordFrame.Length(region.AsSpan((int)offsets[^1]));
        if (region.AsSpan((int)end).ContainsAnyExcept((byte)0)) return (null, pos, false);
        return (new Run(offsets, seqs, hash, end), end, false);
    }

    // Proof that the damaged bytes were flushed: a valid frame at or after `from` that was the last of its batch (ends
    // inside a sector, zeros to the sector's end) with a kept record at the next sector start (a later batch).
    private static bool LaterBatchFollows(byte[] region, long from, int sector, Dictionary<long, int> valid, Run run)
    {
        var kept = new HashSet<long>(run.Offsets);
        foreach (var (offset, len) in valid)
        {
            var end = offset + len;
            if (offset < from || end % sector == 0) continue;
            var next = (end / sector + 1) * sector;
            if (kept.Contains(next) && !region.AsSpan((int)end, (int)(next - end)).ContainsAnyExcept((byte)0)) return true;
        }
        return false;
    }
}
