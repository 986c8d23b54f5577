using System.Runtime.CompilerServices;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Meta;

/// <summary>
/// The META event log (issue 5, format in specs/meta-log.md): an append-only, hash-chained, checksummed log in a
/// fixed partition. Two superblock copies with a generation pick the active one of two regions; each region starts
/// with a checkpoint (folded snapshot, last sequence and hash, carried-over unmirrored records) and continues with
/// record batches, each batch starting on a sector boundary so a write never touches a sector that holds flushed
/// records. The active region is kept in memory after it was verified, so reads never hit the device.
/// </summary>
/// <remarks>
/// Thread safety: appends, reads and follows may run concurrently. Appends are group-committed: a lone caller
/// writes inline; callers that find a write in progress queue, and a writer thread writes every queued batch with
/// one write and one flush, then completes them all.
/// </remarks>
public sealed partial class MetaLog : IDisposable
{
    private readonly IBlockDevice _dev;
    private readonly MetaLogOptions _opt;
    private readonly TimeProvider _time;
    private readonly bool _readOnly;
    private readonly int _sector;
    private readonly object _lock = new();

    // Published state: changed only under _lock, by the committing thread, after the bytes are durable.
    private Superblock _sb = null!;
    private CheckpointHeader _cp = null!;
    private byte[] _region = null!;
    private long[] _offsets = null!;
    private int _count;
    private ulong _firstSeq;
    private byte[] _lastHash = null!;
    private long _writePos;
    private ulong _mirrored;
    private bool _awaitsMirror = true;
    // Mid-log damage kept in place (issue #22): records from index _gapIndex on have sequences _gapSkip higher than
    // their index says, and _gapHash is the hash of the record before the damage. -1: no damage in the active region.
    private int _gapIndex = -1;
    private ulong _gapSkip;
    private byte[] _gapHash = [];
    private TaskCompletionSource _appended = NewSignal();

    private MetaLog(IBlockDevice dev, MetaLogOptions opt, TimeProvider time, bool readOnly)
    {
        _dev = dev;
        _opt = opt;
        _time = time;
        _readOnly = readOnly;
        _sector = dev.SectorSize;
    }

    /// <summary>What recovery found when the log was opened.</summary>
    public RecoveryReport Recovery { get; private set; } = null!;

    /// <summary>Node id recorded at creation.</summary>
    public Guid NodeId => _sb.NodeId;

    /// <summary>Superblock generation (1 at creation, +1 per checkpoint).</summary>
    public ulong Generation { get { lock (_lock) return _sb.Generation; } }

    /// <summary>The newest checkpoint: snapshot, its sequence and hash, mirrored sequence and any forced drop. Fold the
    /// snapshot and then the records after <see cref="CheckpointHeader.CheckpointSequence"/> to rebuild the state.</summary>
    public CheckpointHeader Checkpoint { get { lock (_lock) return _cp; } }

    /// <summary>Sequence of the last durable record (0 when the log is empty).</summary>
    public ulong LastSequence { get { lock (_lock) return LastSeq(SnapshotLocked()); } }

    /// <summary>First sequence still stored (records before it live only in the checkpoint snapshot).</summary>
    public ulong FirstSequence { get { lock (_lock) return _firstSeq; } }

    /// <summary>SHA-256 of the last durable record (zeros when the log is empty).</summary>
    public ReadOnlyMemory<byte> LastHash { get { lock (_lock) return _lastHash.ToArray(); } }

    /// <summary>Highest sequence acknowledged as mirrored to the fleet store (persisted at the next checkpoint).</summary>
    public ulong MirroredSequence { get { lock (_lock) return _mirrored; } }

    /// <summary>Bytes used in the active region (checkpoint block + records).</summary>
    public long RegionBytesUsed { get { lock (_lock) return _writePos; } }

    /// <summary>Size of one region.</summary>
    public long RegionLength => _sb.RegionLength;

    /// <summary>
    /// Whether compaction keeps the records the fleet store has not acknowledged (default true: the guard of issue #10).
    /// The node sets it to false while its machine config names no fleet store: nothing is waiting for those records,
    /// so a checkpoint may drop every folded record as if it were mirrored (no forced drop, no RecordsDropped event;
    /// the checkpoint's mirrored sequence stays what was really acknowledged). Setting it back to true restores the
    /// guard for the records still in the log and everything after. Read by the next checkpoint.
    /// </summary>
    public bool AwaitsMirror
    {
        get { lock (_lock) return _awaitsMirror; }
        set { lock (_lock) _awaitsMirror = value; }
    }

    /// <summary>
    /// Records that the fleet store holds every record up to <paramref name="sequence"/>, so compaction may drop them.
    /// Lower values than the current one are ignored; a value past the last record is an error.
    /// </summary>
    public void AcknowledgeMirrored(ulong sequence)
    {
        lock (_lock)
        {
            var last = LastSeq(SnapshotLocked());
            if (sequence > last) throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"only {last} records exist");
            _mirrored = Math.Max(_mirrored, sequence);
        }
    }

    /// <summary>Reads durable records from <paramref name="sequence"/> to the current end (a snapshot of the end taken now).</summary>
    /// <exception cref="MetaLogCompactedException">The records were compacted into the checkpoint.</exception>
    public IEnumerable<LogRecord> ReadFrom(ulong sequence)
    {
        var view = Snapshot();
        if (sequence < view.FirstSeq && view.FirstSeq > 1) throw new MetaLogCompactedException(sequence, view.FirstSeq);
        return Enumerate(view, sequence);
    }

    /// <summary>Streams records from <paramref name="fromSequence"/>, then waits for and streams new ones until cancelled.</summary>
    public async IAsyncEnumerable<LogRecord> FollowAsync(ulong fromSequence, [EnumeratorCancellation] CancellationToken ct)
    {
        var next = Math.Max(fromSequence, 1);
        while (!ct.IsCancellationRequested)
        {
            Task signal;
            View view;
            lock (_lock)
            {
                signal = _appended.Task;
                view = SnapshotLocked();
            }
            if (next < view.FirstSeq) throw new MetaLogCompactedException(next, view.FirstSeq);
            foreach (var r in Enumerate(view, next))
            {
                yield return r;
                next = r.Sequence + 1;
            }
            await signal.WaitAsync(ct).ConfigureAwait(false);
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Stops the writer thread after the queued batches are committed. The device stays open (the caller owns it).</summary>
    public void Dispose() => StopWriter();

    private readonly record struct View(byte[] Region, long[] Offsets, int Count, ulong FirstSeq, byte[] LastHash, int GapIndex, ulong GapSkip, byte[] GapHash);

    private View Snapshot() { lock (_lock) return SnapshotLocked(); }

    private View SnapshotLocked() => new(_region, _offsets, _count, _firstSeq, _lastHash, _gapIndex, _gapSkip, _gapHash);

    // Sequence of the record at index i (i == Count gives the next one); the damage gap, if any, shifts the later ones.
    private static ulong SeqAt(View v, int i) => v.FirstSeq + (ulong)i + (v.GapIndex >= 0 && i >= v.GapIndex ? v.GapSkip : 0);

    private static ulong LastSeq(View v) => SeqAt(v, v.Count) - 1;

    // Index of the first record with a sequence >= seq (Count when there is none).
    private static int IndexOf(View v, ulong seq)
    {
        if (seq <= v.FirstSeq) return 0;
        var d = seq - v.FirstSeq;
        if (v.GapIndex >= 0 && d >= (ulong)v.GapIndex) d = d < (ulong)v.GapIndex + v.GapSkip ? (ulong)v.GapIndex : d - v.GapSkip;
        return (int)Math.Min(d, (ulong)v.Count);
    }

    private static IEnumerable<LogRecord> Enumerate(View v, ulong from)
    {
        for (var i = IndexOf(v, from); i < v.Count; i++)
            yield return RecordAt(v, i);
    }

    private static LogRecord RecordAt(View v, int i)
    {
        var off = (int)v.Offsets[i];
        var span = v.Region.AsSpan(off);
        var len = RecordFrame.Length(span);
        var mem = v.Region.AsMemory(off, len);
        // A record's hash is the next record's link; the last one's is the log's LastHash. No per-record storage.
        // Across mid-log damage the next record does not link to this one: the scan kept its hash.
        ReadOnlyMemory<byte> hash = i + 1 == v.GapIndex ? v.GapHash
            : i + 1 < v.Count ? v.Region.AsMemory((int)v.Offsets[i + 1] + 28, RecordFrame.HashSize) : v.LastHash;
        return new LogRecord(RecordFrame.Sequence(span), RecordFrame.Timestamp(span), RecordFrame.EventType(span),
            mem.Slice(RecordFrame.HeaderSize, len - RecordFrame.Overhead), mem.Slice(28, RecordFrame.HashSize), hash);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long AlignUp(long n) => (n + _sector - 1) / _sector * _sector;
}
