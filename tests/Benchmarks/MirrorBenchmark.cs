using System.Diagnostics;
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
    private const int Events = 20_000, WarmUp = 2_000;

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
        await Exec(cs, "drop table if exists bench_copy; create table bench_copy(seq bigint, stream text, version bigint, type int, data jsonb, payload text, hash text, ts timestamptz, unique(stream, version))");
        await CopyAsync(cs, warm, ct);
        var results = new List<BenchResult>();
        foreach (var mode in new[] { AuditStoreMode.Fleet, AuditStoreMode.MirrorOnly })
        {
            var schema = "bench_mirror_" + mode.ToString().ToLowerInvariant();
            await Exec(cs, $"drop schema if exists {schema} cascade");
            using var store = AuditStore.Create(cs, schema, mode);
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            // Steady state, as on a node whose mirror runs all the time: both paths are warmed up first (JIT, Marten's
            // generated code, connection pool, prepared statements) on another stream / a scratch table.
            if ((await new FleetMirror(store, warm, batch).SyncOnceAsync(ct)).Error is { } w)
                throw new InvalidOperationException($"mirror warm-up failed: {w}");
            var sw = Stopwatch.StartNew();
            var r = await new FleetMirror(store, source, batch).SyncOnceAsync(ct);
            var mirrorSecs = sw.Elapsed.TotalSeconds;
            if (r.Error is not null || r.Appended != Events) throw new InvalidOperationException($"mirror failed: {r}");

            // The baseline right after, so both see the same load on the shared box.
            await Exec(cs, "truncate bench_copy");
            sw.Restart();
            await CopyAsync(cs, source, ct);
            var copySecs = sw.Elapsed.TotalSeconds;
            await Exec(cs, $"drop schema if exists {schema} cascade");
            double ours = Events / mirrorSecs, baseline = Events / copySecs, ratio = ours / baseline;
            var what = mode == AuditStoreMode.Fleet ? "node's store, with read models" : "events only";
            results.Add(new BenchResult($"mirror {Events:N0} META events to Marten ({what}; batches of {batch}, steady state)", $"{ours:N0} ev/s",
                $"Npgsql binary COPY {baseline:N0} rows/s", ratio, "≥ 0.3×", ratio >= 0.3));
        }
        await Exec(cs, "drop table if exists bench_copy");
        return results;
    }

    private static async Task CopyAsync(string cs, Source source, CancellationToken ct)
    {
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync(ct);
            await using var w = await conn.BeginBinaryImportAsync("copy bench_copy (seq, stream, version, type, data, payload, hash, ts) from stdin (format binary)", ct);
            foreach (var e in source.All)
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

    // Real node events in a real (in-memory) META log: an upgrade cycle of 10 events, repeated.
    private sealed class Source : IMirrorSource, IDisposable
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
        public string NodeId => _inner.NodeId;
        public ulong LastSequence => _inner.LastSequence;
        public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max) => _inner.Read(fromSequence, max);
        public void AcknowledgeMirrored(ulong sequence) => _inner.AcknowledgeMirrored(sequence);
        public void Dispose() => _log.Dispose();
    }
}
