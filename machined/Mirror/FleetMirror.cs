using Marten;
using Marten.Exceptions;
using Npgsql;

namespace Talos.Machined.Mirror;

/// <summary>How <see cref="FleetMirror"/> writes a batch.</summary>
public enum MirrorAppend
{
    /// <summary>Binary COPY with the expected-version check in one statement and the read models folded in the same transaction (<see cref="CopyAppender"/>).</summary>
    Copy,
    /// <summary>Marten's own append (Quick mode: one <c>mt_quick_append_events</c> call per batch).</summary>
    Marten,
}

/// <summary>
/// Ships a node's META log to its Marten stream exactly once (issue #10): read the stream's version, append the
/// missing tail with expected version = last sequence, and on any concurrency outcome re-read and retry. The node
/// never waits for the store: a store outage ends the pass with <see cref="MirrorResult.Error"/> set and the
/// caller retries later with backoff (<see cref="RunAsync"/>).
/// </summary>
public sealed class FleetMirror
{
    private readonly IDocumentStore _store;
    private readonly IMirrorSource _source;
    private readonly int _batch;
    private readonly CopyAppender? _copy;
    private long _startsAt;   // the checkpoint this mirror started the stream at (0: the stream starts at 1)

    /// <summary>Events per append unless told otherwise.</summary>
    public const int DefaultBatch = 2000;

    /// <summary>Creates a mirror of <paramref name="source"/> into <paramref name="store"/>.</summary>
    /// <param name="store">A store built with <see cref="CreateStore"/> (string stream identity).</param>
    /// <param name="source">The node's log.</param>
    /// <param name="batch">Events per append (default <see cref="DefaultBatch"/>: one round trip per batch).</param>
    /// <param name="append">How batches are written (default <see cref="MirrorAppend.Copy"/>).</param>
    public FleetMirror(IDocumentStore store, IMirrorSource source, int batch = DefaultBatch, MirrorAppend append = MirrorAppend.Copy)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive");
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _source = source;
        _batch = batch;
        _copy = append == MirrorAppend.Copy ? new CopyAppender(store) : null;
    }

    /// <summary>The fleet store (<see cref="AuditStore.Create"/>): one configuration for the node, talosctl and tests.</summary>
    public static DocumentStore CreateStore(string connectionString, string schema, AuditStoreMode mode = AuditStoreMode.Fleet) =>
        AuditStore.Create(connectionString, schema, mode);

    /// <summary>The store's version of this node's stream (0 when it has none).</summary>
    public async Task<long> StoreVersionAsync(CancellationToken ct)
    {
        await using var q = _store.QuerySession();
        return (await q.Events.FetchStreamStateAsync(_source.NodeId, ct))?.Version ?? 0;
    }

    /// <summary>One pass: appends every missing event, in batches, until the store has the whole log.</summary>
    public async Task<MirrorResult> SyncOnceAsync(CancellationToken ct)
    {
        int appended = 0, conflicts = 0, stuck = 0;
        long version = 0;
        Task<IReadOnlyList<MirroredEvent>>? next = null;   // the batch after the one being appended, read meanwhile
        try
        {
            version = await StoreVersionAsync(ct);
            if (version == 0 && _source.FirstSequence > 1) version = await StartAtCheckpointAsync(ct);
            while ((ulong)version < _source.LastSequence)
            {
                ct.ThrowIfCancellationRequested();
                var tail = next is not null ? await next : _source.Read((ulong)version + 1, _batch);
                next = null;
                if (tail.Count == 0) break;
                CheckContiguous(tail, version);
                var end = (ulong)tail[^1].Sequence;
                if (end < _source.LastSequence) next = Task.Run(() => _source.Read(end + 1, _batch), ct);
                if (await TryAppendAsync(tail, ct))
                {
                    appended += tail.Count;
                    version = tail[^1].Sequence;
                    _source.AcknowledgeMirrored((ulong)version);
                }
                else
                {
                    next = Discard(next);
                    conflicts++;
                    var before = version;
                    version = await StoreVersionAsync(ct);   // another shipper got there first: resume from its version
                    // A conflict that does not move the stream is not a race: stop the pass (the caller retries with backoff).
                    if (version == before && ++stuck >= 3)
                        return new MirrorResult(appended, version, (long)_source.LastSequence - version, conflicts,
                            $"the store refuses appends at version {version} although its stream is at that version");
                }
            }
            if (version > 0) _source.AcknowledgeMirrored((ulong)version);
            return new MirrorResult(appended, version, (long)_source.LastSequence - version, conflicts, null);
        }
        catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
        {
            return new MirrorResult(appended, version, (long)_source.LastSequence - version, conflicts, e.GetBaseException().Message);
        }
        finally
        {
            _ = Discard(next);
        }
    }

    /// <summary>
    /// META compacted the beginning of the log before the store received it: the stream starts after the checkpoint.
    /// Its snapshot is stored as the node's <see cref="StreamCheckpoint"/> and the read models start from it, so replays
    /// from the store reach META's state; the records then ship with stream versions = META sequences as always.
    /// Returns the checkpoint sequence (the version the first append expects).
    /// </summary>
    private async Task<long> StartAtCheckpointAsync(CancellationToken ct)
    {
        var cp = _source.Checkpoint ?? throw new InvalidOperationException(
            $"META starts at {_source.FirstSequence} but has no checkpoint: the records before it cannot be accounted for");
        if (_copy is null) throw new InvalidOperationException("Marten's own append cannot start a stream after sequence 1: use the copy append");
        var start = StreamCheckpoint.From(_source.NodeId, cp);
        await using var s = _store.LightweightSession();
        s.Store(start);
        if (_store.Options.AllKnownDocumentTypes().Any(d => d.DocumentType == typeof(NodeSummary)))
        {
            var state = Core.State.NodeState.FromSnapshot(cp.Snapshot);
            var summary = new NodeSummary { Id = _source.NodeId, LastSequence = cp.Sequence, LastHash = cp.Hash };
            summary.SetFolded(state);
            summary.Refresh(state);
            var history = new UpgradeHistory { Id = _source.NodeId, LastSequence = cp.Sequence, LastHash = cp.Hash };
            history.SetFolded(state);
            s.Store(summary);
            s.Store(history);
        }
        await s.SaveChangesAsync(ct);
        _startsAt = cp.Sequence;
        return cp.Sequence;
    }

    // A read-ahead no longer wanted: observe its outcome (so a failed read is not an unobserved exception) and drop it.
    private static Task<IReadOnlyList<MirroredEvent>>? Discard(Task<IReadOnlyList<MirroredEvent>>? read)
    {
        _ = read?.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        return null;
    }

    /// <summary>
    /// Mirrors until cancelled: a pass every <paramref name="poll"/>; after a
    /// failed pass waits with exponential backoff (from 100 ms, doubling, capped at <paramref name="maxBackoff"/>).
    /// <paramref name="afterPass"/> runs after each pass (the node signs its head there) and may replace the result.
    /// </summary>
    public async Task RunAsync(TimeProvider time, TimeSpan poll, TimeSpan maxBackoff, Action<MirrorResult>? report, CancellationToken ct,
        Func<MirrorResult, CancellationToken, Task<MirrorResult>>? afterPass = null)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            var r = await SyncOnceAsync(ct);
            if (afterPass is not null)
            {
                try { r = await afterPass(r, ct); }
                catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested) { r = r with { Error = e.GetBaseException().Message }; }
            }
            report?.Invoke(r);
            var wait = r.Error is null ? poll : backoff;
            backoff = r.Error is null ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
            try { await Task.Delay(wait, time, ct); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task<bool> TryAppendAsync(IReadOnlyList<MirroredEvent> tail, CancellationToken ct)
    {
        if (_copy is not null)
        {
            var expected = tail[0].Sequence - 1;
            try { return await _copy.TryAppendAsync(_source.NodeId, expected, expected == _startsAt, tail, ct); }
            catch (PostgresException e) when (e.SqlState is "23505" or "40001" or "40P01") { return false; }
        }
        await using var s = _store.LightweightSession();
        var events = tail.Select(e =>
        {
            var ev = s.Events.BuildEvent(e);
            ev.SetHeader("hash", e.Hash);
            return (object)ev;
        }).ToArray();
        s.Events.Append(_source.NodeId, tail[^1].Sequence, events);
        try
        {
            await s.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception e) when (IsConcurrencyOutcome(e))
        {
            return false;
        }
    }

    private static void CheckContiguous(IReadOnlyList<MirroredEvent> tail, long version)
    {
        for (var i = 0; i < tail.Count; i++)
            if (tail[i].Sequence != version + 1 + i)
                throw new InvalidOperationException($"META returned sequence {tail[i].Sequence} where {version + 1 + i} was expected: the log has a gap, refusing to mirror it");
    }

    /// <summary>Every outcome the spike report lists for "someone else appended first".</summary>
    internal static bool IsConcurrencyOutcome(Exception e) =>
        e is JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
        || e.InnerException is PostgresException { SqlState: "23505" }
        || e is MartenCommandException { InnerException: PostgresException { SqlState: "23505" } };

    /// <summary>Store unreachable or failing: the node goes on and retries later.</summary>
    internal static bool IsTransient(Exception e) =>
        e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or MartenCommandException
        || e.InnerException is NpgsqlException or System.Net.Sockets.SocketException
        || (e is InvalidOperationException && e.GetBaseException() is NpgsqlException or System.Net.Sockets.SocketException);
}
