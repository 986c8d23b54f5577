using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;

namespace Talos.Benchmarks;

/// <summary>
/// Issue #10: the fleet questions at 1,000 nodes × 1,000 events (goal ≤ 100 ms each, median of 15 runs after a warm-up).
/// The store is loaded fast: 1,000,000 valid, hash-chained mirrored events go into Marten's mt_events/mt_streams with
/// Npgsql binary COPY (the mirror's own path is measured by the "mirror" benchmark), and the 1,000 NodeSummary /
/// UpgradeHistory / NodeHead documents with Marten's bulk insert. Baseline: the same filter as plain SQL over
/// mt_doc_nodesummary. Needs TALOS_TEST_PG.
/// </summary>
public sealed class FleetQueriesBenchmark : IBenchmark
{
    private const int Nodes = 1000, EventsPerNode = 1000, AttemptsPerNode = EventsPerNode / 50, Runs = 15;
    private const string Schema = "bench_fleet";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc />
    public string Name => "fleet";

    /// <inheritdoc />
    public async Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct)
    {
        var cs = Environment.GetEnvironmentVariable("TALOS_TEST_PG")
                 ?? throw new InvalidOperationException("fleet benchmark: set TALOS_TEST_PG (eval \"$(bash tests/pg.sh start)\")");
        await Exec(cs, $"drop schema if exists {Schema} cascade");
        using var store = AuditStore.Create(cs, Schema);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var load = Stopwatch.StartNew();
        await CopyEventsAsync(cs, ct);
        await LoadDocumentsAsync(store, ct);
        await Exec(cs, $"analyze {Schema}.mt_events; analyze {Schema}.mt_doc_nodesummary; analyze {Schema}.mt_doc_nodehead; analyze {Schema}.mt_doc_upgradeattempt");
        Console.Error.WriteLine($"  fleet: loaded {Nodes * EventsPerNode:N0} events and {Nodes:N0} summaries in {load.Elapsed.TotalSeconds:F1} s");

        var q = new FleetQueries(store);
        var digest = Digest(2);
        var baseline = await Median(() => Count(cs, $"select count(*) from {Schema}.mt_doc_nodesummary where data->>'ImageDigest' = '{digest}'"));
        var rows = new List<BenchResult>();
        async Task Ask(string question, Func<Task<int>> f, int expected)
        {
            var n = await f();
            if (n != expected) throw new InvalidOperationException($"fleet benchmark: {question} returned {n}, expected {expected}");
            var ms = await Median(f);
            rows.Add(new BenchResult($"fleet question at {Nodes:N0} nodes × {EventsPerNode:N0} events: {question}", $"{ms:F1} ms (median of {Runs})",
                $"plain SQL filter {baseline:F1} ms", double.NaN, "≤ 100 ms", ms <= 100));
        }
        await Ask("by image digest", async () => (await q.ByImageDigestAsync(digest, ct)).Count, Nodes / 5);
        await Ask("by version", async () => (await q.ByVersionAsync("v1.3.0", ct)).Count, Nodes / 5);
        await Ask("rolled back since", async () => (await q.RolledBackSinceAsync(T0.AddMinutes(500), ct)).Count, 50);
        await Ask("lagging", async () => (await q.LaggingAsync(T0.AddMinutes(100), ct)).Count, 100 + 90);
        await Ask("image inventory", async () => (await q.ImageInventoryAsync(ct)).Count, 5);
        await Ask("upgrade attempts of one node", async () => (await q.UpgradeAttemptsAsync(NodeId(500), ct)).Count, AttemptsPerNode);
        await Ask("replay one node from the store (1,000 events, chain checked)", async () => (int)(await q.ReplayAsync(NodeId(500), ct)).Version, EventsPerNode);
        await Exec(cs, $"drop schema if exists {Schema} cascade");
        return rows;
    }

    private static string NodeId(int i) => $"node-{i:d4}";

    private static string Digest(int i) => new((char)('a' + i), 64);

    /// <summary>Each node's 1,000 events: valid NodeEvents, chained exactly as META chains them.</summary>
    private static async Task CopyEventsAsync(string cs, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        long seq = 0;
        // Streams first: mt_events references mt_streams.
        await using (var s = await conn.BeginBinaryImportAsync($"copy {Schema}.mt_streams (id, version, timestamp, created, tenant_id, is_archived) from stdin (format binary)", ct))
        {
            for (var n = 0; n < Nodes; n++)
            {
                await s.StartRowAsync(ct);
                await s.WriteAsync(NodeId(n), NpgsqlDbType.Varchar, ct);
                await s.WriteAsync((long)EventsPerNode, NpgsqlDbType.Bigint, ct);
                await s.WriteAsync(T0.AddSeconds(EventsPerNode), NpgsqlDbType.TimestampTz, ct);
                await s.WriteAsync(T0, NpgsqlDbType.TimestampTz, ct);
                await s.WriteAsync("*DEFAULT*", NpgsqlDbType.Varchar, ct);
                await s.WriteAsync(false, NpgsqlDbType.Boolean, ct);
            }
            await s.CompleteAsync(ct);
        }
        await using (var w = await conn.BeginBinaryImportAsync(
            $"copy {Schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, is_archived) from stdin (format binary)", ct))
        {
            var dotnetType = $"{typeof(MirroredEvent).FullName}, {typeof(MirroredEvent).Assembly.GetName().Name}";
            for (var n = 0; n < Nodes; n++)
            {
                var prev = ChainCheck.ZeroHash;
                for (var i = 1; i <= EventsPerNode; i++)
                {
                    var m = Event(i, prev);
                    prev = m.Hash;
                    seq++;
                    await w.StartRowAsync(ct);
                    await w.WriteAsync(seq, NpgsqlDbType.Bigint, ct);
                    await w.WriteAsync(new Guid((int)seq, (short)n, 0, 0, 0, 0, 0, 0, 0, 0, 0), NpgsqlDbType.Uuid, ct);
                    await w.WriteAsync(NodeId(n), NpgsqlDbType.Varchar, ct);
                    await w.WriteAsync((long)i, NpgsqlDbType.Bigint, ct);
                    await w.WriteAsync(JsonSerializer.Serialize(m), NpgsqlDbType.Jsonb, ct);
                    await w.WriteAsync("mirrored_event", NpgsqlDbType.Varchar, ct);
                    await w.WriteAsync(m.Time, NpgsqlDbType.TimestampTz, ct);
                    await w.WriteAsync("*DEFAULT*", NpgsqlDbType.Varchar, ct);
                    await w.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
                    await w.WriteAsync($"{{\"hash\":\"{m.Hash}\"}}", NpgsqlDbType.Jsonb, ct);
                    await w.WriteAsync(false, NpgsqlDbType.Boolean, ct);
                }
            }
            await w.CompleteAsync(ct);
        }
        await using var setval = new NpgsqlCommand($"select setval('{Schema}.mt_events_sequence', {seq})", conn);
        await setval.ExecuteNonQueryAsync(ct);
    }

    private static MirroredEvent Event(int i, string prev)
    {
        var e = new NodeEvent
        {
            Sequence = (ulong)i, Time = Timestamp.FromDateTimeOffset(T0.AddSeconds(i)), ActorId = "op-bench", SequenceId = "op-bench",
            TaskStarted = new TaskStarted { Sequence = "upgrade", Phase = "upgrade", Task = "writeInactiveSlot" },
        };
        var payload = EventCodec.Encode(e);
        var hash = ChainCheck.FrameHash(new ExternalRecord(i, T0.AddSeconds(i), EventCodec.TypeCode(e), payload, prev, ""));
        return new MirroredEvent(i, EventCodec.TypeCode(e), e.PayloadCase.ToString(), EventCodec.ToCanonicalJson(e), Convert.ToBase64String(payload), hash, prev, T0.AddSeconds(i));
    }

    private static async Task LoadDocumentsAsync(DocumentStore store, CancellationToken ct)
    {
        var state = Convert.ToBase64String(new byte[1500]);   // the size of a realistic folded snapshot
        await store.BulkInsertAsync(Enumerable.Range(0, Nodes).Select(i => new NodeSummary
        {
            Id = NodeId(i), Role = i < 3 ? "controlplane" : "worker", Hostname = $"host-{i}", BootedSlot = "A", ConfirmedSlot = "A",
            Version = $"v1.{i % 5}.0", ImageDigest = Digest(i % 5), SlotADigest = Digest(i % 5), SlotBDigest = Digest((i + 1) % 5), LastSequence = EventsPerNode,
            Rollbacks = i % 10 == 0 ? 1 : 0, LastRollbackAt = i % 10 == 0 ? T0.AddMinutes(i) : null, LastSeen = T0.AddMinutes(i), State = state,
        }).ToList(), cancellation: ct);
        await store.BulkInsertAsync(Enumerable.Range(0, Nodes).Select(i => new UpgradeHistory { Id = NodeId(i), AttemptCount = AttemptsPerNode, State = state }).ToList(), cancellation: ct);
        // One document per attempt: a node upgraded every 50 events, the last attempt of every tenth node rolled back.
        await store.BulkInsertAsync(Enumerable.Range(0, Nodes).SelectMany(i => Enumerable.Range(1, AttemptsPerNode).Select(k => new UpgradeAttempt
        {
            Id = UpgradeAttempt.IdOf(NodeId(i), k * 50), NodeId = NodeId(i), StartSequence = k * 50, Slot = k % 2 == 0 ? "A" : "B",
            FromVersion = $"v1.{k - 1}.0", ToVersion = $"v1.{k}.0", Outcome = k == AttemptsPerNode && i % 10 == 0 ? "rolled-back" : "confirmed",
            Start = T0.AddMinutes(k), End = T0.AddMinutes(k + 1),
        })).ToList(), cancellation: ct);
        // 90 of the seen nodes (ids ≥ 100) signed a head the store does not hold yet: lagging by the head.
        await store.BulkInsertAsync(Enumerable.Range(0, Nodes).Select(i => new NodeHead
        {
            Id = NodeId(i), PublicKey = "AA==", Sequence = i >= 100 && i < 190 ? EventsPerNode + 5 : EventsPerNode,
        }).ToList(), cancellation: ct);
    }

    private static async Task<double> Median(Func<Task<int>> f)
    {
        await f();
        var times = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var sw = Stopwatch.StartNew();
            await f();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[Runs / 2];
    }

    private static async Task<int> Count(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync());
    }

    private static async Task Exec(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
