namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    // Called on the committing thread only. Order of writes (each step flushed before the next):
    //   1. the whole inactive region: new checkpoint block + carried-over frames + zeros;
    //   2. superblock copy (gen % 2), then the other copy.
    // A crash before step 2 completes for one copy leaves the old superblock pointing at the untouched old region.
    // Returns what was dropped when forceDrop had to drop unmirrored records, else null.
    // With minDropped > 0 (the record-count trigger) nothing is written unless the checkpoint drops that many records.
    private DropReport? WriteCheckpoint(bool forceDrop, int minDropped = 0)
    {
        var folder = _opt.SnapshotFolder ?? throw new InvalidOperationException("no SnapshotFolder configured");
        var view = Snapshot();
        var lastSeq = LastSeq(view);
        var previous = _cp;
        var after = previous.CheckpointSequence + 1;
        var snapshot = folder(previous.Snapshot, Enumerate(view, after).Where(r => r.Sequence >= after));

        // Carry every record not yet mirrored; with forceDrop, drop the oldest until the rest fits in half a region.
        // With no fleet store awaiting the records (AwaitsMirror false), nothing needs carrying.
        var mirrored = AwaitsMirror ? _mirrored : lastSeq;
        var firstUnmirrored = KeepFrom(view, mirrored);
        // Records the owner still needs in the region (the node: the start of a sequence still running) stay too.
        var retain = _opt.RetainFrom?.Invoke(snapshot) ?? 0;
        var keepFrom = retain > 0 ? Math.Min(firstUnmirrored, KeepFrom(view, retain - 1)) : firstUnmirrored;
        // A count-triggered checkpoint keeps the newest records it need not drop (recent history stays readable).
        if (minDropped > 0) keepFrom = Math.Min(keepFrom, Math.Max(0, view.Count - minDropped));
        // Records before mid-log damage cannot be carried across it (the new region's chain must be contiguous): the
        // checkpoint folds them and carries from the first record after the damage (issue #22).
        var acrossDamage = view.GapIndex >= 0 && keepFrom < view.GapIndex;
        if (acrossDamage) keepFrom = view.GapIndex;
        if (keepFrom < minDropped)
        {
            _countRetryAt = view.Count + Math.Max(1, minDropped / 2);   // not worth a region write yet
            return null;
        }
        var budget = _sb.RegionLength / 2;
        long BlockBytes(int from) => AlignUp(CheckpointHeader.FixedSize + snapshot.Length) + AlignUp(FrameBytes(view, from));
        if (keepFrom < firstUnmirrored && BlockBytes(keepFrom) > budget) keepFrom = firstUnmirrored;   // retention is best effort
        while (BlockBytes(keepFrom) > budget)
        {
            if (!forceDrop || keepFrom == view.Count || minDropped > 0)
                throw new MetaLogFullException(BlockBytes(keepFrom), _sb.RegionLength, _mirrored,
                    keepFrom == view.Count ? "the snapshot alone exceeds half a region" : "unmirrored records do not fit in a checkpoint");
            keepFrom++;
        }
        var header = BuildHeader(view, previous, lastSeq, snapshot, firstUnmirrored, keepFrom);
        var target = 1 - _sb.ActiveRegion;
        var writeLength = Math.Max(BlockBytes(keepFrom), DirtyExtent(_sb.RegionStart(target), _sb.RegionLength));
        var region = new byte[writeLength];
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
            _gapIndex = -1;
        }
        _written = header;
        _countRetryAt = 0;
        return keepFrom > firstUnmirrored
            ? new DropReport(header.DroppedFrom, header.DroppedTo, header.DroppedHash.ToArray(), header.FirstSequence + (ulong)(view.Count - keepFrom)) { AcrossDamage = acrossDamage }
            : null;
    }

    // The record-count trigger (MetaLogOptions.CheckpointEveryRecords): enough records in the region, and a checkpoint
    // would drop at least half of them (so each one makes progress) and carry at most a quarter region of frames (so it
    // cannot run out of room: then the byte threshold decides, as before).
    // (The records a checkpoint must retain, MetaLogOptions.RetainFrom, are known only from the folded snapshot: a
    // checkpoint that would drop too few is abandoned before writing and retried after another half count of records.)
    private bool CheckpointDueByCount()
    {
        var every = _opt.CheckpointEveryRecords;
        if (every == 0 || _opt.SnapshotFolder is null || _count < Math.Max(every, _countRetryAt)) return false;
        var view = Snapshot();
        var lastSeq = LastSeq(view);
        var keepFrom = KeepFrom(view, AwaitsMirror ? _mirrored : lastSeq);
        return keepFrom >= every / 2 && AlignUp(FrameBytes(view, keepFrom)) <= _sb.RegionLength / 4;
    }

    // Never forces a drop, and a checkpoint that does not fit (a snapshot over a quarter region) is skipped: it throws
    // before writing anything, and the byte threshold still guards the region.
    private void TryCheckpointByCount()
    {
        try { WriteCheckpoint(forceDrop: false, minDropped: Math.Max(1, _opt.CheckpointEveryRecords / 2)); }
        catch (MetaLogFullException) { _countRetryAt = _count + _opt.CheckpointEveryRecords / 2; }
    }

    private int _countRetryAt;   // the count trigger's next try after an abandoned one (committing thread only)

    // Index in the view of the first record a checkpoint carries over: the one after the mirrored sequence.
    private static int KeepFrom(View view, ulong mirrored) => IndexOf(view, mirrored + 1);

    private CheckpointHeader BuildHeader(View view, CheckpointHeader previous, ulong lastSeq, byte[] snapshot, int firstUnmirrored, int keepFrom)
    {
        var firstSeq = SeqAt(view, keepFrom);
        var firstPrev = keepFrom < view.Count
            ? RecordFrame.PreviousHash(view.Region.AsSpan((int)view.Offsets[keepFrom])).ToArray()
            : view.LastHash.ToArray();
        // A forced drop is remembered until the next forced drop replaces it (the fleet can see the gap's range and
        // the hash of its last record, and check the chain across it).
        var (dropFrom, dropTo, dropHash) = keepFrom > firstUnmirrored
            ? (SeqAt(view, firstUnmirrored), firstSeq - 1, firstPrev)
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
