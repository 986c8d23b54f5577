using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Talos.Machined.Mirror;

namespace Talos.Benchmarks;

/// <summary>
/// Issue #10: mirror throughput (events/s through FleetMirror into Marten) against Npgsql binary COPY of the same rows
/// into a plain table, in the same run and against the same server. Needs TALOS_TEST_PG (eval "$(bash tests/pg.sh start)").
/// Goal ≥ 0.3×.
/// </summary>
public sealed class MirrorBenchmark : IBenchmark
{
    private const int Events = 20_000, WarmUp = 2_000;

    /// <inheritdoc />
    public string Name => "mirror";

    /// <inheritdoc />
    public async Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct)
    {
        var cs = Environment.GetEnvironmentVariable("TALOS_TEST_PG")
                 ?? throw new InvalidOperationException("mirror benchmark: set TALOS_TEST_PG (eval \"$(bash tests/pg.sh start)\")");
        var source = new Source(Events);
        await Exec(cs, "drop schema if exists bench_mirror cascade; drop table if exists bench_copy");
        using var store = FleetMirror.CreateStore(cs, "bench_mirror");
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // Steady state, as on a node whose mirror runs all the time: both paths are warmed up first (JIT, Marten's
        // generated code, connection pool, prepared statements) on another stream / a scratch table.
        if ((await new FleetMirror(store, new Source(WarmUp, "bench-warm-up"), batch: 1000).SyncOnceAsync(ct)).Error is { } warm)
            throw new InvalidOperationException($"mirror warm-up failed: {warm}");
        var sw = Stopwatch.StartNew();
        var r = await new FleetMirror(store, source, batch: 1000).SyncOnceAsync(ct);
        var mirrorSecs = sw.Elapsed.TotalSeconds;
        if (r.Error is not null || r.Appended != Events) throw new InvalidOperationException($"mirror failed: {r}");

        await Exec(cs, "create table bench_copy(seq bigint, stream text, version bigint, type int, data jsonb, payload text, hash text, ts timestamptz, unique(stream, version))");
        await CopyAsync(cs, new Source(WarmUp, "bench-warm-up"), ct);
        sw.Restart();
        await CopyAsync(cs, source, ct);
        var copySecs = sw.Elapsed.TotalSeconds;
        await Exec(cs, "drop schema if exists bench_mirror cascade; drop table if exists bench_copy");
        double ours = Events / mirrorSecs, baseline = Events / copySecs, ratio = ours / baseline;
        return [new BenchResult($"mirror {Events:N0} events to Marten (batches of 1000, steady state)", $"{ours:N0} ev/s",
            $"Npgsql binary COPY {baseline:N0} rows/s", ratio, "≥ 0.3×", ratio >= 0.3)];
    }

    private static async Task CopyAsync(string cs, Source source, CancellationToken ct)
    {
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync(ct);
            await using var w = await conn.BeginBinaryImportAsync("copy bench_copy (seq, stream, version, type, data, payload, hash, ts) from stdin (format binary)", ct);
            foreach (var e in source.Read(1, (int)source.LastSequence))
            {
                await w.StartRowAsync(ct);
                await w.WriteAsync(e.Sequence, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(source.NodeId, NpgsqlDbType.Text, ct);
                await w.WriteAsync(e.Sequence, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(e.Type, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(e.Json, NpgsqlDbType.Jsonb, ct);
                await w.WriteAsync(e.Payload, NpgsqlDbType.Text, ct);
                await w.WriteAsync(e.Hash, NpgsqlDbType.Text, ct);
                await w.WriteAsync(e.Time, NpgsqlDbType.TimestampTz, ct);
            }
            await w.CompleteAsync(ct);
        }
    }

    private static async Task Exec(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private sealed class Source : IMirrorSource
    {
        private readonly List<MirroredEvent> _events = new();

        public Source(int n, string nodeId = "bench-node")
        {
            NodeId = nodeId;
            var prev = new string('0', 64);
            for (var i = 1; i <= n; i++)
            {
                var json = $"{{\"sequence\":\"{i}\",\"taskStarted\":{{\"sequence\":\"upgrade\",\"phase\":\"upgrade\",\"task\":\"writeInactiveSlot\"}}}}";
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prev + json)));
                _events.Add(new MirroredEvent(i, 16, "TaskStarted", json, Convert.ToBase64String(Encoding.UTF8.GetBytes(json)), hash, prev,
                    DateTimeOffset.UnixEpoch.AddSeconds(i)));
                prev = hash;
            }
        }

        public string NodeId { get; }
        public ulong LastSequence => (ulong)_events.Count;
        public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max) => _events.Skip((int)fromSequence - 1).Take(max).ToList();
        public void AcknowledgeMirrored(ulong sequence) { }
    }
}
