namespace Talos.Partitions.Meta;

/// <summary>
/// Walks the records of a region image: checks every frame's CRC, sequence and hash link, stops at the first that
/// fails, and reports what lies after the last good one. Pure (no I/O), never throws on bad bytes except for a
/// frame whose checksum holds but whose version is unknown.
/// </summary>
internal static class RegionScanner
{
    internal sealed record Result(long[] Offsets, int Count, long ValidEnd, byte[] LastHash, TruncationReason Reason, long GarbageEnd, string Detail);

    /// <summary>
    /// Scans <paramref name="region"/> from <paramref name="dataStart"/>. Batches start on sector boundaries and are
    /// zero-padded, so at an unaligned position without a magic the scan moves to the next sector; at an aligned one
    /// it is the end of the records.
    /// </summary>
    public static Result Scan(byte[] region, int dataStart, int sectorSize, ulong firstSeq, ReadOnlySpan<byte> firstPrevHash, long regionOffsetForErrors)
    {
        var offsets = new long[256];
        var count = 0;
        var expectedSeq = firstSeq;
        var hash = firstPrevHash.ToArray();
        long pos = dataStart, validEnd = dataStart;
        var reason = TruncationReason.None;
        var detail = "";
        while (pos < region.Length)
        {
            var rest = region.AsSpan((int)pos);
            if (!RecordFrame.HasMagic(rest))
            {
                if (pos % sectorSize == 0) break;
                pos = (pos / sectorSize + 1) * sectorSize;
                continue;
            }
            var status = RecordFrame.Check(rest, out var len);
            if (status == FrameStatus.UnknownVersion)
                throw new MetaLogUnsupportedVersionException("record", regionOffsetForErrors + pos, rest[4]);
            if (status != FrameStatus.Ok)
            {
                (reason, detail) = (TruncationReason.TornRecord, $"frame at region byte {pos} failed its check ({status}) where sequence {expectedSeq} was expected");
                break;
            }
            var frame = rest[..len];
            var seq = RecordFrame.Sequence(frame);
            if (seq != expectedSeq)
            {
                (reason, detail) = (TruncationReason.SequenceGap, $"frame at region byte {pos} has sequence {seq}, expected {expectedSeq}");
                break;
            }
            if (count == offsets.Length) Array.Resize(ref offsets, count * 2);
            offsets[count++] = pos;
            expectedSeq++;
            pos += len;
        }
        // Second pass: the hash chain. Each link compares SHA-256(frame i) with the link stored in frame i+1, so the
        // hashes are independent and are computed in parallel (SHA-256 dominates replay time); the first bad link
        // cuts the log exactly as a sequential check would.
        var hashes = HashAll(region, offsets, count);
        var valid = count;
        for (var i = 0; i < count; i++)
        {
            var link = i == 0 ? firstPrevHash : hashes.AsSpan((i - 1) * RecordFrame.HashSize, RecordFrame.HashSize);
            if (!RecordFrame.PreviousHash(region.AsSpan((int)offsets[i])).SequenceEqual(link))
            {
                valid = i;
                (reason, detail) = (TruncationReason.ChainBroken, $"record {firstSeq + (ulong)i} does not link to the hash of record {firstSeq + (ulong)i - 1}");
                break;
            }
        }
        count = valid;
        if (count > 0)
        {
            hash = hashes.AsSpan((count - 1) * RecordFrame.HashSize, RecordFrame.HashSize).ToArray();
            validEnd = offsets[count - 1] + RecordFrame.Length(region.AsSpan((int)offsets[count - 1]));
        }
        // Everything after the last good record must be zero: a crash can leave a torn batch, or later sectors of a
        // batch written out of order; both are unacknowledged and are discarded.
        var tail = region.AsSpan((int)validEnd);
        var last = tail.LastIndexOfAnyExcept((byte)0);
        long garbageEnd = last < 0 ? validEnd : validEnd + last + 1;
        if (last >= 0 && reason == TruncationReason.None)
            (reason, detail) = (TruncationReason.TrailingData, $"non-zero bytes after the last record (region bytes {validEnd}..{garbageEnd})");
        return new Result(offsets, count, validEnd, hash, reason, garbageEnd, detail);
    }

    private static byte[] HashAll(byte[] region, long[] offsets, int count)
    {
        var hashes = new byte[count * RecordFrame.HashSize];
        const int chunk = 4096;
        if (count < 2 * chunk)
        {
            for (var i = 0; i < count; i++) HashOne(region, offsets[i], hashes.AsSpan(i * RecordFrame.HashSize, RecordFrame.HashSize));
            return hashes;
        }
        Parallel.For(0, (count + chunk - 1) / chunk, c =>
        {
            for (int i = c * chunk, end = Math.Min(count, i + chunk); i < end; i++)
                HashOne(region, offsets[i], hashes.AsSpan(i * RecordFrame.HashSize, RecordFrame.HashSize));
        });
        return hashes;
    }

    private static void HashOne(ReadOnlySpan<byte> region, long offset, Span<byte> dest)
    {
        var frame = region[(int)offset..];
        RecordFrame.Hash(frame[..RecordFrame.Length(frame)], dest);
    }
}
