using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Talos.Machined.Mirror;

/// <summary>
/// Appends a batch of mirrored events to a node's Marten stream with PostgreSQL binary COPY (issue #10: Marten's
/// quick append inserts row by row in PL/pgSQL). One transaction: (1) one statement moves <c>mt_streams.version</c>
/// from the expected version to the new one (or creates the stream when 0 was expected), which locks the stream row
/// so a concurrent appender waits and then fails the same check; (2) the seq ids are drawn from Marten's event
/// sequence; (3) the rows go into <c>mt_events</c> by COPY, shaped exactly as Marten writes them (type alias, .NET
/// type, the event JSON with the property names of the store's serializer (<see cref="EventRowJson"/>), headers);
/// (4) the inline read models, folded over the batch beside the COPY, are stored in the same transaction, in one
/// round trip (the upgrade attempts the batch started or ended in one statement queued with the two documents).
/// Exactly-once holds as with Marten's append: the version check refuses a gap or an overlap, and the unique
/// (stream, version) index refuses a duplicate whatever else writes the stream.
/// </summary>
internal sealed class CopyAppender
{
    private readonly IDocumentStore _store;
    private readonly string _schema;
    private readonly string _typeName;
    private readonly string _dotNetType;
    private readonly bool _readModels;
    private readonly string _attempts;
    private bool _attemptsTable;
    // The read models as this appender last committed them, per stream: valid while the stream is still at that
    // version (the documents change only in the transaction that moves the stream), so the next batch need not load
    // them. The fleet mirror appends one node's stream; the cache holds a few entries at most.
    private readonly Dictionary<string, (long Version, NodeSummary Summary, UpgradeHistory History)> _models = [];

    public CopyAppender(IDocumentStore store)
    {
        _store = store;
        _schema = store.Options.Events.DatabaseSchemaName;
        using var s = store.LightweightSession();
        var probe = s.Events.BuildEvent(new MirroredEvent(0, 0, "", "{}", "", "", "", default));
        _typeName = probe.EventTypeName;
        _dotNetType = probe.DotNetTypeName;
        var types = store.Options.AllKnownDocumentTypes().ToList();
        _readModels = types.Any(d => d.DocumentType == typeof(NodeSummary));
        _attempts = types.FirstOrDefault(d => d.DocumentType == typeof(UpgradeAttempt))?.TableName.QualifiedName ?? "";
    }

    /// <summary>
    /// Appends <paramref name="tail"/> (contiguous, starting at <paramref name="expected"/> + 1); false when the stream is
    /// not at <paramref name="expected"/>. <paramref name="creates"/>: the stream does not exist yet and starts after
    /// <paramref name="expected"/> (a checkpoint; always so when <paramref name="expected"/> is 0).
    /// </summary>
    public async Task<bool> TryAppendAsync(string streamKey, long expected, bool creates, IReadOnlyList<MirroredEvent> tail, CancellationToken ct)
    {
        // Marten creates its event tables lazily; this path writes SQL directly, so make sure they exist (a no-op once done).
        await _store.Storage.Database.EnsureStorageExistsAsync(typeof(IEvent), ct);
        // The read models are folded on the side while PostgreSQL works (version move, COPY): the fold is pure, and
        // the documents it changes in place are kept only when the transaction commits.
        var cached = _readModels && _models.Remove(streamKey, out var c) && c.Version == expected ? c : default;
        Task<(NodeSummary, UpgradeHistory)>? folding = cached.Summary is { } cs && cached.History is { } ch ? FoldAsync(streamKey, tail, cs, ch) : null;
        try
        {
            await using var conn = _store.Storage.Database.CreateConnection();
            await conn.OpenAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var final = expected + tail.Count;
            var (moved, now, seqs) = await MoveVersionAsync(conn, tx, streamKey, expected, creates || expected == 0, final, tail.Count, ct);
            if (!moved) return false;   // disposing rolls back
            if (!_readModels)
            {
                CopyEvents(conn, streamKey, tail, seqs, now);
                await tx.CommitAsync(ct);
                return true;
            }
            await using var session = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx));
            folding ??= await LoadAndFoldAsync(session, streamKey, tail, ct);
            CopyEvents(conn, streamKey, tail, seqs, now);
            var (summary, history) = await folding;
            session.Store(summary);
            session.Store(history);
            await QueueAttemptsAsync(session, history.TakeChanged(), ct);
            await session.SaveChangesAsync(ct);   // one round trip: both read models and the attempts
            await tx.CommitAsync(ct);
            _models[streamKey] = (final, summary, history);
            return true;
        }
        finally
        {
            if (folding is not null) await folding.ContinueWith(static _ => { }, TaskScheduler.Default);   // never leave it running
        }
    }

    // The read models the store keeps inline, as loaded in the append's transaction (one round trip for both).
    private async Task<Task<(NodeSummary, UpgradeHistory)>> LoadAndFoldAsync(IDocumentSession s, string key, IReadOnlyList<MirroredEvent> tail, CancellationToken ct)
    {
        var batch = s.CreateBatchQuery();
        var a = batch.Load<NodeSummary>(key);
        var b = batch.Load<UpgradeHistory>(key);
        await batch.Execute(ct);
        return FoldAsync(key, tail, await a, await b);
    }

    // The batch is checked, decoded and folded once for both read models (BatchFold); each is encoded once, when stored.
    private static Task<(NodeSummary, UpgradeHistory)> FoldAsync(string key, IReadOnlyList<MirroredEvent> tail, NodeSummary? summary, UpgradeHistory? history) =>
        Task.Run(() =>
        {
            var fold = new BatchFold(tail);
            return (new NodeSummaryProjection().FoldBatch(summary, key, fold), new UpgradeHistoryProjection().FoldBatch(history, key, fold));
        });

    // The attempts this batch started or ended, in one statement queued with the read models' upserts (one round trip
    // for all): one Marten upsert each was ~15% of a batch in the benchmark (an attempt every ten events), a statement
    // of its own ~5%. The rows are what Marten's upsert writes: its serializer's JSON, the .NET type, the transaction's
    // timestamp; mt_version keeps its default as for any unversioned document.
    private async Task QueueAttemptsAsync(IDocumentSession session, IReadOnlyList<UpgradeAttempt> attempts, CancellationToken ct)
    {
        if (attempts.Count == 0) return;
        if (!_attemptsTable) await _store.Storage.Database.EnsureStorageExistsAsync(typeof(UpgradeAttempt), ct);
        _attemptsTable = true;
        var serializer = _store.Options.Serializer();
        session.QueueSqlCommand('^',
            $"insert into {_attempts} (id, data, mt_dotnet_type, mt_last_modified) select i, d::jsonb, ^, transaction_timestamp() from unnest(^::varchar[], ^::text[]) as x(i, d) "
            + "on conflict (id) do update set data = excluded.data, mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified",
            typeof(UpgradeAttempt).FullName!, attempts.Select(a => a.Id).ToArray(), attempts.Select(a => serializer.ToJson(a)).ToArray());
    }

    // One round trip: the version move (or stream creation), the transaction's timestamp and the seq ids.
    private async Task<(bool Moved, DateTime Now, long[] Seqs)> MoveVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string key, long expected, bool creates, long final, int count, CancellationToken ct)
    {
        var move = creates
            ? $"insert into {_schema}.mt_streams (id, type, version, timestamp, tenant_id) values (@id, null, @final, now(), '*DEFAULT*') on conflict (id) do nothing"
            : $"update {_schema}.mt_streams set version = @final, timestamp = now() where id = @id and version = @expected and not is_archived";
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(move) { Parameters = { new("id", key), new("final", final), new("expected", expected) } },
                new NpgsqlBatchCommand($"select now(), nextval('{_schema}.mt_events_sequence') from generate_series(1, @n)") { Parameters = { new("n", count) } },
            },
        };
        // The reader skips the row-less first statement and starts on the select; the first one's count is known then.
        await using var r = await batch.ExecuteReaderAsync(ct);
        var moved = batch.BatchCommands[0].RecordsAffected == 1;
        var seqs = new long[count];
        var now = default(DateTime);
        var n = 0;
        for (; await r.ReadAsync(ct); n++)
        {
            now = r.GetDateTime(0);
            seqs[n] = r.GetInt64(1);
        }
        if (n != count) throw new InvalidOperationException($"drew {n} event sequence numbers for {count} events");
        return (moved, now, seqs);
    }

    // Synchronous writes: Npgsql buffers the rows and only blocks to send a full buffer; per-value awaits cost more
    // than they save here. The JSON is written straight to UTF-8 (EventRowJson).
    private void CopyEvents(NpgsqlConnection conn, string key, IReadOnlyList<MirroredEvent> tail, long[] seqs, DateTime now)
    {
        var json = new EventRowJson();
        using var w = conn.BeginBinaryImport(
            $"copy {_schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, headers) from stdin (format binary)");
        for (var i = 0; i < tail.Count; i++)
        {
            var m = tail[i];
            w.StartRow();
            w.Write(seqs[i], NpgsqlDbType.Bigint);
            w.Write(EventId(key, m), NpgsqlDbType.Uuid);
            w.Write(key, NpgsqlDbType.Varchar);
            w.Write(m.Sequence, NpgsqlDbType.Bigint);
            w.Write(json.Data(m), NpgsqlDbType.Jsonb);
            w.Write(_typeName, NpgsqlDbType.Varchar);
            w.Write("*DEFAULT*", NpgsqlDbType.Varchar);
            w.Write(now, NpgsqlDbType.TimestampTz);
            w.Write(_dotNetType, NpgsqlDbType.Varchar);
            w.Write(false, NpgsqlDbType.Boolean);
            w.Write(json.Headers(m), NpgsqlDbType.Jsonb);
        }
        w.Complete();
    }

    // Deterministic event id (no randomness in the mirror): a hash of the stream key, the version and the chain hash.
    private static Guid EventId(string key, MirroredEvent m)
    {
        Span<byte> h = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{key}/{m.Sequence}/{m.Hash}"), h);
        h[6] = (byte)((h[6] & 0x0F) | 0x80);   // RFC 9562 version 8 (custom), variant 10
        h[8] = (byte)((h[8] & 0x3F) | 0x80);
        return new Guid(h[..16], bigEndian: true);
    }
}
