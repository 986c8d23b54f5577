using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.Time;
using Talos.Machined.Mirror;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;

namespace Talos.Benchmarks;

/// <summary>
/// Issue #10: mirror throughput (events/s through FleetMirror into Marten) against Npgsql binary COPY of the same rows
/// into a plain table, in the same run and against the same server. Needs TALOS_TEST_PG (eval "$(bash tests/pg.sh start)").
/// Goal ≥ 0.3×. The events are real: NodeEvents appended to an in-memory META log and read through
/// <see cref="MetaLogMirrorSource"/>, so the store's inline projections fold them as they would a node's. Two rows:
/// the node's configuration (<see cref="AuditStoreMode.Fleet"/>, with the read models) and the mirror alone.
/// </summary>
public sealed class MirrorBenchmark : IBenchmark
{
    private const int Events = 20_000, WarmUp = 2_000, Rounds = 3, MaxWarmUpPasses = 10;
    private const string Narrow = "bench_copy_narrow", Same = "bench_copy_rows";

    /// <inheritdoc />
    public string Name => "mirror";

    /// <inheritdoc />
    public async Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct)
    {
        var cs = Environment.GetEnvironmentVariable("TALOS_TEST_PG")
                 ?? throw new InvalidOperationException("mirror benchmark: set TALOS_TEST_PG (eval \"$(bash tests/pg.sh start)\")");
        var batch = int.TryParse(Environment.GetEnvironmentVariable("TALOS_MIRROR_BATCH"), out var b) ? b : FleetMirror.DefaultBatch;
        using var source = new Source(Events, "bench-node");
        using var warm = new Source(WarmUp, "bench-warm-up");
        var rows = EventRows(source.All);
        await Exec(cs, $"""
            drop table if exists {Narrow}; drop table if exists {Same};
            create table {Narrow}(seq bigint, stream text, version bigint, type int, data jsonb, payload text, hash text, ts timestamptz, unique(stream, version));
            create table {Same}(seq_id bigint, id uuid, stream_id varchar, version bigint, data jsonb, type varchar, tenant_id varchar,
                timestamp timestamptz, mt_dotnet_type varchar, is_archived boolean, headers jsonb, unique(stream_id, version));
            """);
        await CopyNarrowAsync(cs, warm.All, warm.NodeId, ct);
        await CopyRowsAsync(cs, EventRows(warm.All), warm.NodeId, ct);
        var results = new List<BenchResult>();
        foreach (var mode in new[] { AuditStoreMode.Fleet, AuditStoreMode.MirrorOnly })
        {
            var schema = "bench_mirror_" + mode.ToString().ToLowerInvariant();
            await Exec(cs, $"drop schema if exists {schema} cascade");
            using var store = AuditStore.Create(cs, schema, mode);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            // Steady state, as on a node whose mirror runs all the time: every path is warmed up first (JIT, Marten's
            // generated code, connection pool, prepared statements) on other streams / scratch rows.
            if ((await new FleetMirror(store, warm, batch).SyncOnceAsync(ct)).Error is { } w)
                throw new InvalidOperationException($"mirror warm-up failed: {w}");
            var warmUps = await WarmUpAsync(store, source, batch, ct);
            // Alternating rounds, so every path sees the same load on the shared box. Each round writes the same events
            // under a new stream key everywhere (the tables grow alike). The mirror reads them from META itself
            // (decode, JSON, hashes, read models: its cost); the baselines are handed their rows ready-made.
            double mirrorSecs = 0, sameSecs = 0, narrowSecs = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var key = $"bench-node-{round}";
                var sw = Stopwatch.StartNew();
                var r = await new FleetMirror(store, source.As(key), batch).SyncOnceAsync(ct);
                mirrorSecs += sw.Elapsed.TotalSeconds;
                if (r.Error is not null || r.Appended != Events) throw new InvalidOperationException($"mirror failed: {r}");
                sw.Restart();
                await CopyRowsAsync(cs, rows, key, ct);
                sameSecs += sw.Elapsed.TotalSeconds;
                sw.Restart();
                await CopyNarrowAsync(cs, source.All, key, ct);
                narrowSecs += sw.Elapsed.TotalSeconds;
            }
            await Exec(cs, $"drop schema if exists {schema} cascade; truncate {Narrow}; truncate {Same}");
            double ours = Rounds * Events / mirrorSecs, baseline = Rounds * Events / sameSecs, narrow = Rounds * Events / narrowSecs, ratio = ours / baseline;
            var what = (mode == AuditStoreMode.Fleet ? "node's store, with read models" : "events only") + $"; after {warmUps} warm-up passes";
            results.Add(new BenchResult($"mirror {Events:N0} META events to Marten ({what}; batches of {batch}, steady state, {Rounds} alternating rounds)",
                $"{ours:N0} ev/s", $"Npgsql binary COPY of the same mt_events rows {baseline:N0} rows/s (narrow 8-column rows: {narrow:N0} rows/s, {ours / narrow:F2}×)",
                ratio, "≥ 0.3×", ratio >= 0.3));
        }
        await Exec(cs, $"drop table if exists {Narrow}; drop table if exists {Same}");
        return results;
    }

    // The mirror's rows as it writes them (Marten's mt_events columns; the event and header JSON with the same
    // property names, order and escaping), into a plain table with only the exactly-once index.
    private sealed record EventRow(long Version, Guid Id, byte[] Data, byte[] Headers);

    private static readonly JsonSerializerOptions RowJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static List<EventRow> EventRows(IReadOnlyList<MirroredEvent> events) =>
        [.. events.Select(m => new EventRow(m.Sequence, new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(m.Hash))[..16]),
            JsonSerializer.SerializeToUtf8Bytes(m, RowJson), JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["hash"] = m.Hash }, RowJson)))];

    private static long _seq;

    private static async Task CopyRowsAsync(string cs, List<EventRow> rows, string streamKey, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        using var w = conn.BeginBinaryImport(
            $"copy {Same} (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, headers) from stdin (format binary)");
        foreach (var r in rows)
        {
            w.StartRow();
            w.Write(++_seq, NpgsqlDbType.Bigint);
            w.Write(r.Id, NpgsqlDbType.Uuid);
            w.Write(streamKey, NpgsqlDbType.Varchar);
            w.Write(r.Version, NpgsqlDbType.Bigint);
            w.Write(r.Data, NpgsqlDbType.Jsonb);
            w.Write("mirrored_event", NpgsqlDbType.Varchar);
            w.Write("*DEFAULT*", NpgsqlDbType.Varchar);
            w.Write(now, NpgsqlDbType.TimestampTz);
            w.Write("Talos.Machined.Mirror.MirroredEvent, Talos.Machined", NpgsqlDbType.Varchar);
            w.Write(false, NpgsqlDbType.Boolean);
            w.Write(r.Headers, NpgsqlDbType.Jsonb);
        }
        w.Complete();
    }

    // The baseline of the previous README table: a narrower row (the event JSON, payload and hash as columns).
    private static async Task CopyNarrowAsync(string cs, IReadOnlyList<MirroredEvent> events, string streamKey, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        using var w = conn.BeginBinaryImport($"copy {Narrow} (seq, stream, version, type, data, payload, hash, ts) from stdin (format binary)");
        foreach (var e in events)
        {
            w.StartRow();
            w.Write(e.Sequence, NpgsqlDbType.Bigint);
            w.Write(streamKey, NpgsqlDbType.Text);
            w.Write(e.Sequence, NpgsqlDbType.Bigint);
            w.Write(e.Type, NpgsqlDbType.Integer);
            w.Write(e.Json, NpgsqlDbType.Jsonb);
            w.Write(e.Payload, NpgsqlDbType.Text);
            w.Write(e.Hash, NpgsqlDbType.Text);
            w.Write(e.Time, NpgsqlDbType.TimestampTz);
        }
        w.Complete();
    }

    // Whole passes of the measured log under warm-up keys until the process stays idle after one. The JIT tiers the
    // per-batch code up only after ~30 calls (30 batches), and compiles in the background: with one warm-up batch the
    // rounds ran while it recompiled Marten's and the read models' code, which took up to a core of the box's two from
    // the mirror and from the baseline COPY alike (measured: 0.2-1.0 core idle-time CPU for the first 5-6 passes of
    // the node's store, none after; issue #10). Returns the number of passes run.
    private static async Task<int> WarmUpAsync(Marten.IDocumentStore store, Source source, int batch, CancellationToken ct)
    {
        using var self = Process.GetCurrentProcess();
        for (var pass = 1; ; pass++)
        {
            if ((await new FleetMirror(store, source.As($"bench-warm-up-{pass}"), batch).SyncOnceAsync(ct)).Error is { } w)
                throw new InvalidOperationException($"mirror warm-up failed: {w}");
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            await Task.Delay(250, ct);
            self.Refresh();
            if ((self.TotalProcessorTime - cpu).TotalMilliseconds < 10 || pass == MaxWarmUpPasses) return pass;
        }
    }

    private static async Task Exec(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    // Real node events in a real (in-memory) META log: an upgrade cycle of 10 events, repeated.
    internal sealed class Source : IMirrorSource, IDisposable
    {
        private readonly MetaLog _log;
        private readonly MetaLogMirrorSource _inner;

        public Source(int n, string nodeId)
        {
            var time = new VirtualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            _log = MetaLog.Open(new MemoryBlockDevice((n * 600L / (1 << 20) + 2) << 20), new MetaLogOptions { NodeId = Guid.Empty }, time);
            var entries = new List<LogEntry>();
            for (var i = 1; i <= n; i++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                var e = NodeEvents.Create((ulong)i, time, "bench", $"op-{i / 10}", Cycle(i));
                entries.Add(new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e)));
            }
            foreach (var chunk in entries.Chunk(1000)) _log.AppendAsync(chunk).AsTask().GetAwaiter().GetResult();
            _inner = new MetaLogMirrorSource(_log, nodeId);
            All = _inner.Read(1, n);
        }

        private static Action<NodeEvent> Cycle(int i)
        {
            var slot = i / 10 % 2 == 0 ? Slot.A : Slot.B;
            var version = $"v1.{i / 10}.0";
            var digest = (i / 10).ToString("x64");
            return (i % 10) switch
            {
                0 => e => e.SequenceStarted = new() { Sequence = "upgrade" },
                1 => e => e.PhaseStarted = new() { Sequence = "upgrade", Phase = "install", Index = 1, Count = 1 },
                2 => e => e.ImageWrittenToSlot = new() { Slot = slot, Digest = digest, Version = version, ImageRef = "ghcr.io/siderolabs/installer:" + version, Size = 1 << 20 },
                3 => e => e.TrialBootSet = new() { Slot = slot, Tries = 1 },
                4 => e => e.SequenceCompleted = new() { Sequence = "upgrade" },
                5 => e => e.BootAttempted = new() { Slot = slot, Trial = true, TriesLeft = 0 },
                6 => e => e.Booted = new() { Slot = slot, Version = version, MeasuredDigest = digest },
                7 => e => e.HealthCheckResult = new() { Check = "kubelet", Passed = true, Detail = "ready", Slot = slot },
                8 => e => e.BootConfirmed = new() { Slot = slot, Version = version },
                _ => e => e.ServiceStateChanged = new() { Service = "kubelet", State = ServiceState.Running, Healthy = true },
            };
        }

        public IReadOnlyList<MirroredEvent> All { get; }

        /// <summary>The same log under another stream key (a fresh stream per benchmark round).</summary>
        public IMirrorSource As(string nodeId) => new MetaLogMirrorSource(_log, nodeId);
        public string NodeId => _inner.NodeId;
        public ulong LastSequence => _inner.LastSequence;
        public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max) => _inner.Read(fromSequence, max);
        public void AcknowledgeMirrored(ulong sequence) => _inner.AcknowledgeMirrored(sequence);
        public void Dispose() => _log.Dispose();
    }
}
