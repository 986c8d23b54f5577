using System.Diagnostics;

namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    private readonly List<Pending> _queue = [];
    private bool _stopping;
    private Thread? _writer;
    private int _lastBatchCallers;
    private int _queued;  // _queue.Count, readable without the lock
    private bool _busy;   // a batch is being written (inline by a caller or by the writer thread)
    private Exception? _failed;
    private CheckpointHeader? _written;   // the checkpoint this commit wrote, for MetaLogOptions.CheckpointWritten

    private sealed class Pending(IReadOnlyList<LogEntry> entries, int bytes)
    {
        public IReadOnlyList<LogEntry> Entries { get; } = entries;
        public int Bytes { get; } = bytes;
        public TaskCompletionSource<ulong> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Appends <paramref name="entries"/> and returns their sequence numbers once they are written and flushed.
    /// A lone appender writes on its own thread (the call blocks that thread for the write and flush, like any
    /// synchronous fsync). Concurrent callers are group-committed: the log's writer thread takes everything queued
    /// while the previous flush ran and writes it with one write and one flush, in queue order.
    /// <paramref name="ct"/> is observed only before the entries are queued; once queued they are committed.
    /// </summary>
    /// <exception cref="MetaLogFullException">No room even after a checkpoint.</exception>
    /// <exception cref="MetaLogFailedException">An earlier I/O failure stopped the log.</exception>
    public async ValueTask<IReadOnlyList<ulong>> AppendAsync(IReadOnlyList<LogEntry> entries, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (_readOnly) throw new InvalidOperationException("the META log was opened read-only for audit");
        if (entries.Count == 0) throw new ArgumentException("at least one entry is required", nameof(entries));
        var bytes = 0;
        foreach (var e in entries)
        {
            if (e.Payload.Length > _opt.MaxPayload)
                throw new ArgumentOutOfRangeException(nameof(entries), e.Payload.Length, $"payload larger than MaxPayload {_opt.MaxPayload}");
            bytes += RecordFrame.Overhead + e.Payload.Length;
        }
        ct.ThrowIfCancellationRequested();
        var p = new Pending(entries, bytes);
        if (TryCommitInline(p)) return Sequences(p, entries.Count);
        Enqueue(p);
        await p.Done.Task.ConfigureAwait(false);
        return Sequences(p, entries.Count);
    }

    private static ulong[] Sequences(Pending p, int count)
    {
        var first = p.Done.Task.GetAwaiter().GetResult();   // completed: returns the value or throws its exception
        var seqs = new ulong[count];
        for (var i = 0; i < seqs.Length; i++) seqs[i] = first + (ulong)i;
        return seqs;
    }

    // Fast path for a lone appender: when nothing is queued or being written and the last batch had one caller,
    // the caller writes its own batch on its own thread (no hand-off to the writer thread and back). Anyone arriving
    // meanwhile queues for the writer thread, which starts once this commit is done.
    private bool TryCommitInline(Pending p)
    {
        lock (_lock)
        {
            if (_failed is not null) throw new MetaLogFailedException(_failed);
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_busy || _queue.Count > 0 || _lastBatchCallers > 1) return false;
            _busy = true;
        }
        try { CommitBatch([p]); }
        finally
        {
            lock (_lock)
            {
                _busy = false;
                Monitor.Pulse(_lock);   // the writer may be waiting for _busy to clear (queued work or stopping)
            }
        }
        return true;
    }

    /// <summary>
    /// Writes a checkpoint now (folding the records since the last one) and continues in the other region.
    /// Needs <see cref="MetaLogOptions.SnapshotFolder"/>.
    /// </summary>
    public async ValueTask CheckpointAsync(bool forceDropUnmirrored = false, CancellationToken ct = default)
    {
        if (_readOnly) throw new InvalidOperationException("the META log was opened read-only for audit");
        if (_opt.SnapshotFolder is null) throw new InvalidOperationException("no SnapshotFolder configured: the log cannot checkpoint");
        // Runs through the commit queue as a zero-entry batch so it is ordered with appends and never concurrent with a write.
        var p = new Pending([], forceDropUnmirrored ? -1 : 0);
        ct.ThrowIfCancellationRequested();
        Enqueue(p);
        await p.Done.Task.ConfigureAwait(false);
    }

    // One writer thread drains the queue: callers only enqueue and await, so a caller blocked in a flush never holds
    // back others from queueing (a leader running on a pool thread did, when the pool had one free thread).
    private void WriterLoop()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_lock)
            {
                // Never start while an inline commit runs, even when stopping: two writers would interleave.
                while ((_queue.Count == 0 && !_stopping) || _busy) Monitor.Wait(_lock);
                if (_queue.Count == 0) return;
                _busy = true;
            }
            GatherStragglers();
            lock (_lock) batch = TakeBatch();
            _lastBatchCallers = batch.Count;
            try { CommitBatch(batch); }
            finally { lock (_lock) _busy = false; }
        }
    }

    // Adaptive group-commit window: when the last batch had several callers, they are about to queue again (their
    // continuations are running); wait up to 50 µs, yielding the CPU to them, so they share one flush instead of
    // splitting into alternating half-batches. A lone appender (last batch of one) never waits.
    private void GatherStragglers()
    {
        if (_lastBatchCallers <= 1) return;
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20_000;
        while (Stopwatch.GetTimestamp() < until)
        {
            if (Volatile.Read(ref _queued) >= _lastBatchCallers || _stopping) return;   // no lock: appenders must not wait on us
            Thread.Yield();
        }
    }

    private void Enqueue(Pending p)
    {
        lock (_lock)
        {
            if (_failed is not null) throw new MetaLogFailedException(_failed);
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Add(p);
            _queued = _queue.Count;
            // The writer thread starts with the first queued batch: a log whose appends are all inline (one appender at a
            // time, as on a booting node or in the simulator) never pays for a thread, and an abandoned one pins none.
            if (_writer is null) StartWriter();
            Monitor.Pulse(_lock);
        }
    }

    private void StartWriter()
    {
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "meta-log-writer" };
        _writer.Start();
    }

    private void StopWriter()
    {
        Thread? writer;
        lock (_lock)
        {
            _stopping = true;
            Monitor.Pulse(_lock);
            writer = _writer;
        }
        writer?.Join();
    }

    // Takes queued work in order: either one checkpoint request, or appends up to a quarter region of bytes.
    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>();
        long bytes = 0, cap = Math.Max(_sb.RegionLength / 4, 1);
        while (_queue.Count > 0)
        {
            var next = _queue[0];
            if (next.Entries.Count == 0) { if (batch.Count == 0) { batch.Add(next); _queue.RemoveAt(0); } break; }
            if (batch.Count > 0 && bytes + next.Bytes > cap) break;
            batch.Add(next);
            bytes += next.Bytes;
            _queue.RemoveAt(0);
        }
        _queued = _queue.Count;
        return batch;
    }

    private void CommitBatch(List<Pending> batch)
    {
        CommitBatchCore(batch);
        NotifyCheckpoint();
    }

    // Runs the checkpoint callback once the checkpoint and the batch's records are durable and published, before the
    // batch's callers are completed (so when AppendAsync or CheckpointAsync returns, the callback has run). Called
    // again after every commit for the failure paths; a no-op when nothing is pending. Committing thread only.
    private void NotifyCheckpoint()
    {
        if (_written is not { } cp) return;
        _written = null;
        try { _opt.CheckpointWritten?.Invoke(cp); }
        catch (Exception) { /* documented: the checkpoint is durable, the callback's failure is its own */ }
    }

    private void CommitBatchCore(List<Pending> batch)
    {
        try
        {
            if (batch[0].Entries.Count == 0)
            {
                var dropped = WriteCheckpoint(batch[0].Bytes < 0 || _opt.ForceDropUnmirrored);
                if (DropEvent(dropped) is { } record) WriteRecords([record]);
                NotifyCheckpoint();
                batch[0].Done.SetResult(0);
                return;
            }
            long bytes = 0;
            foreach (var p in batch) bytes += p.Bytes;
            if (DropEvent(EnsureRoom(AlignUp(bytes))) is { } drop)
            {
                // The drop is recorded before the batch that caused it, in the same write and flush.
                batch.Insert(0, drop);
                EnsureRoom(AlignUp(bytes + drop.Bytes));
            }
            WriteRecords(batch);
        }
        catch (MetaLogFullException full)
        {
            foreach (var p in batch) p.Done.TrySetException(full);
        }
        catch (Exception ex)
        {
            lock (_lock) _failed = ex;
            foreach (var p in batch) p.Done.TrySetException(new MetaLogFailedException(ex));
            lock (_lock)
            {
                foreach (var q in _queue) q.Done.TrySetException(new MetaLogFailedException(ex));
                _queue.Clear();
                _queued = 0;
            }
        }
    }

    // Checkpoints when the batch would pass the threshold; returns what a forced checkpoint dropped, if anything.
    private DropReport? EnsureRoom(long padded)
    {
        if (CheckpointDueByCount()) TryCheckpointByCount();
        var limit = (long)(_sb.RegionLength * _opt.CheckpointThreshold);
        if (_writePos + padded <= limit) return null;
        var dropped = _opt.SnapshotFolder is not null ? WriteCheckpoint(_opt.ForceDropUnmirrored) : null;
        if (_writePos + padded > _sb.RegionLength)
            throw new MetaLogFullException(_writePos + padded, _sb.RegionLength, _mirrored,
                _opt.SnapshotFolder is null ? "no SnapshotFolder is configured, so the log cannot checkpoint" : "the batch does not fit after a checkpoint");
        return dropped;
    }

    // The record of a forced drop as a batch member nobody awaits (its sequence is the drop report's EventSequence).
    private Pending? DropEvent(DropReport? dropped)
    {
        if (dropped is null || _opt.DropEventFactory is not { } factory) return null;
        var entry = factory(dropped);
        return new Pending([entry], RecordFrame.Overhead + entry.Payload.Length);
    }

    private void WriteRecords(List<Pending> batch)
    {
        var start = _writePos;
        var pos = start;
        var seq = SeqAt(Snapshot(), _count);
        var ts = (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var hash = _lastHash.ToArray();
        var newOffsets = new long[batch.Sum(p => p.Entries.Count)];
        EnsureRegionCapacity(AlignUp(start + batch.Sum(p => p.Entries.Sum(e => (long)RecordFrame.Overhead + e.Payload.Length))));
        var k = 0;
        try
        {
            foreach (var p in batch)
                foreach (var e in p.Entries)
                {
                    var len = RecordFrame.Encode(_region.AsSpan((int)pos), seq++, ts, e.EventType, e.Payload.Span, hash);
                    RecordFrame.Hash(_region.AsSpan((int)pos, len), hash);
                    newOffsets[k++] = pos;
                    pos += len;
                }
            var end = AlignUp(pos);
            _dev.Write(_sb.RegionStart(_sb.ActiveRegion) + start, _region.AsSpan((int)start, (int)(end - start)));
            _dev.Flush();
            Publish(newOffsets, hash, end);
        }
        catch
        {
            _region.AsSpan((int)start, (int)(pos - start)).Clear();
            throw;
        }
        NotifyCheckpoint();
        var first = SeqAt(Snapshot(), _count) - (ulong)newOffsets.Length;
        foreach (var p in batch)
        {
            p.Done.SetResult(first);
            first += (ulong)p.Entries.Count;
        }
    }

    private void Publish(long[] newOffsets, byte[] hash, long end)
    {
        lock (_lock)
        {
            var offsets = _offsets;
            if (_count + newOffsets.Length > offsets.Length)
            {
                // Grow into a new array: readers holding the old one keep a consistent prefix.
                offsets = new long[Math.Max(offsets.Length * 2, _count + newOffsets.Length)];
                Array.Copy(_offsets, offsets, _count);
            }
            newOffsets.CopyTo(offsets, _count);
            _offsets = offsets;
            _count += newOffsets.Length;
            _lastHash = hash;
            _writePos = end;
            var signal = _appended;
            _appended = NewSignal();
            signal.SetResult();
        }
    }
}
