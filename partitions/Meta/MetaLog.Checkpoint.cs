namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    // Called on the committing thread only. Order of writes (each step flushed before the next):
    //   1. the whole inactive region: new checkpoint block + carried-over frames + zeros;
    //   2. superblock copy (gen % 2), then the other copy.
    // A crash before step 2 completes for one copy leaves the old superblock pointing at the untouched old region.
    // Returns what was dropped when forceDrop had to drop unmirrored records, else null.
    private DropReport? WriteCheckpoint(bool forceDrop)
    {
        var folder = _opt.SnapshotFolder ?? throw new InvalidOperationException("no SnapshotFolder configured");
        var view = Snapshot();
        var lastSeq = view.FirstSeq + (ulong)view.Count - 1;
        var previous = _cp;
        var after = previous.CheckpointSequence + 1;
        var snapshot = folder(previous.Snapshot, Enumerate(view, after).Where(r => r.Sequence >= after));

        // Carry every record not yet mirrored; with forceDrop, drop the oldest until the rest fits in half a region.
        // With no fleet store awaiting the records (AwaitsMirror false), nothing needs carrying.
        var mirrored = AwaitsMirror ? _mirrored : lastSeq;
        var keepFrom = mirrored + 1 < view.FirstSeq ? 0 : (int)Math.Min((ulong)view.Count, mirrored + 1 - view.FirstSeq);
        var budget = _sb.RegionLength / 2;
        long BlockBytes(int from) => AlignUp(CheckpointHeader.FixedSize + snapshot.Length) + AlignUp(FrameBytes(view, from));
        var firstUnmirrored = keepFrom;
        while (BlockBytes(keepFrom) > budget)
        {
            if (!forceDrop || keepFrom == view.Count)
                throw new MetaLogFullException(BlockBytes(keepFrom), _sb.RegionLength, _mirrored,
                    keepFrom == view.Count ? "the snapshot alone exceeds half a region" : "unmirrored records do not fit in a checkpoint");
            keepFrom++;
        }
        var header = BuildHeader(view, previous, lastSeq, snapshot, firstUnmirrored, keepFrom);
        var region = new byte[_sb.RegionLength];
        header.Encode(region);
        long pos = header.BlockLength(_sector);
        var offsets = new long[Math.Max(16, view.Count - keepFrom)];
        for (var i = keepFrom; i < view.Count; i++)
        {
            var src = view.Region.AsSpan((int)view.Offsets[i]);
            var len = RecordFrame.Length(src);
            src[..len].CopyTo(region.AsSpan((int)pos));
            offsets[i - keepFrom] = pos;
            pos += len;
        }
        var target = 1 - _sb.ActiveRegion;
        var sb = _sb with { Generation = header.Generation, ActiveRegion = target };
        _dev.Write(sb.RegionStart(target), region);
        _dev.Flush();
        WriteSuperblocks(sb);
        lock (_lock)
        {
            _sb = sb;
            _cp = header;
            _region = region;
            _offsets = offsets;
            _count = view.Count - keepFrom;
            _firstSeq = header.FirstSequence;
            _writePos = AlignUp(pos);
        }
        _written = header;
        return keepFrom > firstUnmirrored
            ? new DropReport(header.DroppedFrom, header.DroppedTo, header.DroppedHash.ToArray(), header.FirstSequence + (ulong)(view.Count - keepFrom))
            : null;
    }

    private CheckpointHeader BuildHeader(View view, CheckpointHeader previous, ulong lastSeq, byte[] snapshot, int firstUnmirrored, int keepFrom)
    {
        var firstSeq = view.FirstSeq + (ulong)keepFrom;
        var firstPrev = keepFrom < view.Count
            ? RecordFrame.PreviousHash(view.Region.AsSpan((int)view.Offsets[keepFrom])).ToArray()
            : view.LastHash.ToArray();
        // A forced drop is remembered until the next forced drop replaces it (the fleet can see the gap's range and
        // the hash of its last record, and check the chain across it).
        var (dropFrom, dropTo, dropHash) = keepFrom > firstUnmirrored
            ? (view.FirstSeq + (ulong)firstUnmirrored, firstSeq - 1, firstPrev)
            : (previous.DroppedFrom, previous.DroppedTo, previous.DroppedHash);
        return new CheckpointHeader(previous.Generation + 1, lastSeq, view.LastHash.ToArray(), firstSeq, firstPrev,
            _mirrored, dropFrom, dropTo, dropHash, snapshot);
    }

    private static long FrameBytes(View view, int from)
    {
        if (from >= view.Count) return 0;
        long total = 0;
        for (var i = from; i < view.Count; i++) total += RecordFrame.Length(view.Region.AsSpan((int)view.Offsets[i]));
        return total;
    }
}
