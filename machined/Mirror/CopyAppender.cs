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
/// type, JSON by the store's serializer, headers); (4) the inline read models are folded over the batch in the same
/// transaction. Exactly-once holds as with Marten's append: the version check refuses a gap or an overlap, and
/// the unique (stream, version) index refuses a duplicate whatever else writes the stream.
/// </summary>
internal sealed class CopyAppender
{
    private readonly IDocumentStore _store;
    private readonly string _schema;
    private readonly string _typeName;
    private readonly string _dotNetType;
    private readonly bool _readModels;

    public CopyAppender(IDocumentStore store)
    {
        _store = store;
        _schema = store.Options.Events.DatabaseSchemaName;
        using var s = store.LightweightSession();
        var probe = s.Events.BuildEvent(new MirroredEvent(0, 0, "", "{}", "", "", "", default));
        _typeName = probe.EventTypeName;
        _dotNetType = probe.DotNetTypeName;
        _readModels = store.Options.AllKnownDocumentTypes().Any(d => d.DocumentType == typeof(NodeSummary));
    }

    /// <summary>Appends <paramref name="tail"/> (contiguous, starting at <paramref name="expected"/> + 1); false when the stream is not at <paramref name="expected"/>.</summary>
    public async Task<bool> TryAppendAsync(string streamKey, long expected, IReadOnlyList<MirroredEvent> tail, CancellationToken ct)
    {
        // Marten creates its event tables lazily; this path writes SQL directly, so make sure they exist (a no-op once done).
        await _store.Storage.Database.EnsureStorageExistsAsync(typeof(IEvent), ct);
        await using var conn = _store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var final = expected + tail.Count;
        var (moved, now, seqs) = await MoveVersionAsync(conn, tx, streamKey, expected, final, tail.Count, ct);
        if (!moved) return false;   // disposing rolls back
        await CopyEventsAsync(conn, streamKey, tail, seqs, now, ct);
        if (_readModels) await FoldReadModelsAsync(tx, streamKey, tail, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    // One round trip: the version move (or stream creation), the transaction's timestamp and the seq ids.
    private async Task<(bool Moved, DateTime Now, long[] Seqs)> MoveVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string key, long expected, long final, int count, CancellationToken ct)
    {
        var move = expected == 0
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

    private async Task CopyEventsAsync(NpgsqlConnection conn, string key, IReadOnlyList<MirroredEvent> tail, long[] seqs, DateTime now, CancellationToken ct)
    {
        var serializer = _store.Options.Serializer();
        await using var w = await conn.BeginBinaryImportAsync(
            $"copy {_schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, headers) from stdin (format binary)", ct);
        for (var i = 0; i < tail.Count; i++)
        {
            var m = tail[i];
            await w.StartRowAsync(ct);
            await w.WriteAsync(seqs[i], NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(EventId(key, m), NpgsqlDbType.Uuid, ct);
            await w.WriteAsync(key, NpgsqlDbType.Varchar, ct);
            await w.WriteAsync(m.Sequence, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(serializer.ToJson(m), NpgsqlDbType.Jsonb, ct);
            await w.WriteAsync(_typeName, NpgsqlDbType.Varchar, ct);
            await w.WriteAsync("*DEFAULT*", NpgsqlDbType.Varchar, ct);
            await w.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            await w.WriteAsync(_dotNetType, NpgsqlDbType.Varchar, ct);
            await w.WriteAsync(false, NpgsqlDbType.Boolean, ct);
            await w.WriteAsync(serializer.ToJson(new Dictionary<string, object> { ["hash"] = m.Hash }), NpgsqlDbType.Jsonb, ct);
        }
        await w.CompleteAsync(ct);
    }

    // The read models the store keeps inline, folded over the batch inside the same transaction.
    private async Task FoldReadModelsAsync(NpgsqlTransaction tx, string key, IReadOnlyList<MirroredEvent> tail, CancellationToken ct)
    {
        await using var s = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(tx));
        var events = tail.Select(m => (IEvent)new Event<MirroredEvent>(m) { StreamKey = key, Version = m.Sequence }).ToList();
        s.Store(Fold(new NodeSummaryProjection(), await s.LoadAsync<NodeSummary>(key, ct), key, events)!);
        s.Store(Fold(new UpgradeHistoryProjection(), await s.LoadAsync<UpgradeHistory>(key, ct), key, events)!);
        await s.SaveChangesAsync(ct);
    }

    private static TDoc? Fold<TDoc>(FoldingProjection<TDoc> p, TDoc? doc, string key, List<IEvent> events) where TDoc : class, IFoldedDocument, new()
    {
        foreach (var e in events) doc = p.Evolve(doc, key, e);
        return doc;
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
