using Talos.Core.Events;
using Talos.Core.State;
using Talos.Machined.Mirror;
using Talos.Machined.Runtime;
using Talos.Partitions.Meta;
using Talos.Simulation.Tests.Model;

namespace Talos.Simulation.Tests.Fleet;

/// <summary>The store's copy of a node's log broke the mirror's contract (numbered like ARCHITECTURE.md's invariant 4/6).</summary>
public sealed class MirrorViolation(string message) : Exception(message);

/// <summary>Totals of fleet runs (printed by the test).</summary>
public sealed class FleetReport
{
    public int Seeds, Steps, PowerLosses, Passes, FailedPasses, PrefixChecks, Converged;
    public long MaxStream;
}

/// <summary>
/// One seeded fleet run: a few simulated nodes (each installed on its own disk, so each has its own META node id) get
/// random operations with power loss at chosen writes, checked against <see cref="NodeModel"/> and every invariant
/// (<see cref="ModelRunner"/>); between steps each node's META log is mirrored into one <see cref="SimFleetStore"/>
/// that has outages, lost acknowledgements and stale version reads. After every round each stream must be a gap-free,
/// duplicate-free, hash-chained prefix of its node's META log; at the end (store back up, nodes live) it must equal
/// the log, and the fold of the store must equal the fold of META and the runtime's state.
/// </summary>
public sealed class FleetSimulation(ulong seed, SimImages images, IReadOnlyList<ModelRunner.Baseline> baselines, FleetReport report)
{
    private readonly SimRng _rng = new(seed);
    private SimFleetStore _store = new();
    private readonly List<string> _steps = new();

    /// <summary>Steps per run (spread over the nodes).</summary>
    public int Steps { get; init; } = 24;

    /// <summary>What happened, for a failure message.</summary>
    public IReadOnlyList<string> Log => _steps;

    public async Task RunAsync()
    {
        var nodes = new List<ModelRunner>();
        try
        {
            foreach (var (i, b) in baselines.Index())
            {
                var (r, failure) = await ModelRunner.StartAsync(images, b, NodeModel.Installed(), seed * 16 + (ulong)i, fleetMirrored: true);
                nodes.Add(r ?? throw new SimulationException($"node {i}: {failure}"));
            }
            for (var step = 0; step < Steps; step++)
            {
                var i = _rng.Below(nodes.Count);
                var op = RandomOp();
                _steps.Add($"node {i}: {op}");
                report.Steps++;
                if (await nodes[i].StepAsync(op) is { } f) throw new SimulationException($"node {i}: {f}");
                StoreFaults();
                foreach (var n in nodes) if (_rng.Chance(0.6)) Pass(n, 1 + _rng.Below(8));
                foreach (var n in nodes) CheckPrefix(n);
            }
            await ConvergeAsync(nodes);
            report.PowerLosses += nodes.Sum(n => n.Crashes);
            report.Seeds++;
        }
        finally { foreach (var n in nodes) n.Abandon(); }
    }

    private async Task ConvergeAsync(List<ModelRunner> nodes)
    {
        _store.Down = false;
        _store.StaleNextRead = 0;
        _steps.Add("store back up; liveness");
        foreach (var n in nodes)
            if (await n.LivenessAsync() is { } f) throw new SimulationException(f);
        foreach (var n in nodes)
        {
            var passes = 0;
            while (Pass(n, 8) is { } r && (r.Error is not null || r.Lag > 0))
                if (++passes > 20) throw new MirrorViolation($"{Id(n)}: the mirror did not converge in 20 passes (lag {r.Lag}, error {r.Error})");
            CheckPrefix(n, full: true);
            var log = n.Node.Runtime.Journal.Log!;
            var stream = _store.Stream(Id(n));
            if (stream.Count != (long)log.LastSequence)
                throw new MirrorViolation($"{Id(n)}: the store holds {stream.Count} events, META {log.LastSequence}");
            var fromStore = Fold(stream);
            var fromMeta = NodeJournal.Fold(log);
            if (fromStore.Hash != fromMeta.Hash || fromMeta.Hash != n.Node.Runtime.State.Hash)
                throw new MirrorViolation($"{Id(n)}: fold of the store {fromStore.Hash[..12]}, of META {fromMeta.Hash[..12]}, runtime {n.Node.Runtime.State.Hash[..12]}");
            report.Converged++;
            report.MaxStream = Math.Max(report.MaxStream, stream.Count);
        }
    }

    private void StoreFaults()
    {
        if (_rng.Chance(0.25)) { _store.Down = !_store.Down; _steps.Add(_store.Down ? "store outage" : "store back"); }
        if (_rng.Chance(0.15)) { _store.LoseNextAck = true; _steps.Add("store: next ack lost"); }
        if (_rng.Chance(0.15)) { _store.StaleNextRead = 1 + _rng.Below(5); _steps.Add("store: next version read stale"); }
    }

    /// <summary>One mirror pass of the node's META log (null when the runtime has no log attached).</summary>
    private MirrorResult? Pass(ModelRunner n, int batch)
    {
        if (n.Node.Runtime.Journal.Log is not { } log) return null;
        var r = SimFleetMirror.SyncOnce(_store, new MetaLogMirrorSource(log, log.NodeId.ToString()), batch);
        report.Passes++;
        if (r.Error is not null) report.FailedPasses++;
        return r;
    }

    /// <summary>
    /// The store's stream is sequences 1..k, each chained to the previous, each with META's type, payload bytes and hash
    /// (where META still holds it; <paramref name="full"/>: every field, the canonical JSON included).
    /// </summary>
    private void CheckPrefix(ModelRunner n, bool full = false)
    {
        if (n.Node.Runtime.Journal.Log is not { } log) return;
        report.PrefixChecks++;
        var id = Id(n);
        var stream = _store.Stream(id);
        var meta = log.ReadFrom(log.FirstSequence).ToDictionary(r => (long)r.Sequence);
        var (prevSeq, prevHash) = (0L, StoreEvents.ZeroHash);
        foreach (var m in stream)
        {
            if (m.Sequence != prevSeq + 1) throw new MirrorViolation($"{id}: store sequence {m.Sequence} after {prevSeq} (gap or duplicate)");
            if (StoreEvents.Link(prevSeq, prevHash, m) is { } p) throw new MirrorViolation($"{id}: store chain broken at {m.Sequence}: {p.Detail}");
            if (meta.TryGetValue(m.Sequence, out var rec) && (full ? MetaLogMirrorSource.ToMirrored(rec) != m
                    : rec.EventType != m.Type || Convert.ToHexStringLower(rec.Hash.Span) != m.Hash || Convert.ToBase64String(rec.Payload.Span) != m.Payload))
                throw new MirrorViolation($"{id}: store event {m.Sequence} differs from META's record");
            (prevSeq, prevHash) = (m.Sequence, m.Hash);
        }
        if (stream.Count > (long)log.LastSequence)
            throw new MirrorViolation($"{id}: the store holds {stream.Count} events but META only {log.LastSequence}: the store has events the node lost");
    }

    private static NodeState Fold(IEnumerable<MirroredEvent> stream) =>
        stream.Aggregate(NodeState.Initial, (s, m) => NodeState.Apply(s, EventCodec.Decode(Convert.FromBase64String(m.Payload), (ushort)m.Type)));

    private static string Id(ModelRunner n) => n.Node.Runtime.Journal.Log?.NodeId.ToString() ?? "(no log)";

    private ModelOp RandomOp()
    {
        var kind = _rng.Pick(Enum.GetValues<OpKind>());
        int? crash = _rng.Chance(0.35) ? _rng.Below(SequenceShrinker.MaxCrashWrite + 1) : null;
        return new ModelOp(kind, _rng.Below(ModelOp.ArgCount(kind)), kind == OpKind.Apply && _rng.Chance(0.3), crash, crash is null ? 0 : _rng.Below(3));
    }

    /// <summary>The store (its counters, its digest); replaceable before <see cref="RunAsync"/> (the checkers' own test uses a broken one).</summary>
    public SimFleetStore Store { get => _store; init => _store = value; }
}
