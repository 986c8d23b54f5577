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
    public static Result Scan(ReadOnlySpan<byte> region, int dataStart, int sectorSize, ulong firstSeq, ReadOnlySpan<byte> firstPrevHash, long regionOffsetForErrors)
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
            var rest = region[(int)pos..];
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
            if (!RecordFrame.PreviousHash(frame).SequenceEqual(hash))
            {
                (reason, detail) = (TruncationReason.ChainBroken, $"record {seq} does not link to the hash of record {seq - 1}");
                break;
            }
            if (count == offsets.Length) Array.Resize(ref offsets, count * 2);
            offsets[count++] = pos;
            RecordFrame.Hash(frame, hash);
            expectedSeq++;
            pos += len;
            validEnd = pos;
        }
        // Everything after the last good record must be zero: a crash can leave a torn batch, or later sectors of a
        // batch written out of order; both are unacknowledged and are discarded.
        var tail = region[(int)validEnd..];
        var last = tail.LastIndexOfAnyExcept((byte)0);
        long garbageEnd = last < 0 ? validEnd : validEnd + last + 1;
        if (last >= 0 && reason == TruncationReason.None)
            (reason, detail) = (TruncationReason.TrailingData, $"non-zero bytes after the last record (region bytes {validEnd}..{garbageEnd})");
        return new Result(offsets, count, validEnd, hash, reason, garbageEnd, detail);
    }
}
