using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Npgsql;

namespace Talos.Machined.Mirror;

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

    /// <summary>Creates a mirror of <paramref name="source"/> into <paramref name="store"/>.</summary>
    /// <param name="store">A store built with <see cref="CreateStore"/> (string stream identity).</param>
    /// <param name="source">The node's log.</param>
    /// <param name="batch">Events per append (default 500: one round trip per batch, see the spike's numbers).</param>
    public FleetMirror(IDocumentStore store, IMirrorSource source, int batch = 500)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive");
        _store = store;
        _source = source;
        _batch = batch;
    }

    /// <summary>A document store configured for mirroring into <paramref name="schema"/>.</summary>
    public static DocumentStore CreateStore(string connectionString, string schema) => DocumentStore.For(o =>
    {
        o.Connection(connectionString);
        o.DatabaseSchemaName = schema;
        o.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        o.Events.StreamIdentity = StreamIdentity.AsString;
        // Quick append: one round trip per batch (measured ~1.5-2x Rich in the spike); expected-version checks and
        // the unique (stream, version) index still hold, which is all exactly-once needs. The batch is one call of
        // mt_quick_append_events, whose PL/pgSQL inserts row by row: ~30-50 ms per 1,000 events on the shared box,
        // the limit of this path (tests/Benchmarks mirror: 0.2-0.34x of binary COPY, issue #10).
        o.Events.AppendMode = EventAppendMode.Quick;
        o.Events.MetadataConfig.HeadersEnabled = true;
        o.Events.AddEventType<MirroredEvent>();
    });

    /// <summary>The store's version of this node's stream (0 when it has none).</summary>
    public async Task<long> StoreVersionAsync(CancellationToken ct)
    {
        await using var q = _store.QuerySession();
        return (await q.Events.FetchStreamStateAsync(_source.NodeId, ct))?.Version ?? 0;
    }

    /// <summary>One pass: appends every missing event, in batches, until the store has the whole log.</summary>
    public async Task<MirrorResult> SyncOnceAsync(CancellationToken ct)
    {
        int appended = 0, conflicts = 0;
        long version = 0;
        try
        {
            version = await StoreVersionAsync(ct);
            while ((ulong)version < _source.LastSequence)
            {
                ct.ThrowIfCancellationRequested();
                var tail = _source.Read((ulong)version + 1, _batch);
                if (tail.Count == 0) break;
                CheckContiguous(tail, version);
                if (await TryAppendAsync(tail, ct))
                {
                    appended += tail.Count;
                    version = tail[^1].Sequence;
                    _source.AcknowledgeMirrored((ulong)version);
                }
                else
                {
                    conflicts++;
                    version = await StoreVersionAsync(ct);   // another shipper got there first: resume from its version
                }
            }
            if (version > 0) _source.AcknowledgeMirrored((ulong)version);
            return new MirrorResult(appended, version, (long)_source.LastSequence - version, conflicts, null);
        }
        catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
        {
            return new MirrorResult(appended, version, (long)_source.LastSequence - version, conflicts, e.GetBaseException().Message);
        }
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
        e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
        || e.InnerException is PostgresException { SqlState: "23505" }
        || e is MartenCommandException { InnerException: PostgresException { SqlState: "23505" } };

    /// <summary>Store unreachable or failing: the node goes on and retries later.</summary>
    internal static bool IsTransient(Exception e) =>
        e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or MartenCommandException
        || e.InnerException is NpgsqlException or System.Net.Sockets.SocketException
        || (e is InvalidOperationException && e.GetBaseException() is NpgsqlException or System.Net.Sockets.SocketException);
}
