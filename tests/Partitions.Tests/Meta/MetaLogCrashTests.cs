using FsCheck;
using FsCheck.Fluent;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Invariant 4 (ARCHITECTURE.md) under power loss: random workloads of appends, checkpoints, acknowledgements and
/// reopenings run on the PowerLossSimulator with a crash at every write and flush; each crashed disk (every keep/drop
/// combination when few writes are pending, plus seeded torn-with-garbage crashes) must recover to a prefix of what
/// was written that holds every acknowledged record, with a verified chain, and recovery must be idempotent.
/// </summary>
public class MetaLogCrashTests
{
    public abstract record Op;
    public sealed record AppendOp(int Count, int Size) : Op;
    public sealed record CheckpointOp : Op;
    public sealed record AckOp : Op;
    public sealed record ReopenOp : Op;

    public static class Arbs
    {
        public static Arbitrary<Op[]> Ops() => Gen.Frequency(
                (6, Gen.Choose(1, 4).SelectMany(c => Gen.Choose(0, 700).Select(s => (Op)new AppendOp(c, s)))),
                (1, Gen.Constant<Op>(new CheckpointOp())),
                (1, Gen.Constant<Op>(new AckOp())),
                (1, Gen.Constant<Op>(new ReopenOp())))
            .ArrayOf().Select(a => a.Take(12).ToArray()).ToArbitrary();
    }

    private sealed class Model
    {
        public List<LogEntry> Attempted { get; } = [];
        public ulong Acked { get; set; }
    }

    // Normal run: 30 random workloads, each crashed at every write and flush. Soak: TALOS_CRASH_RUNS=5000.
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("TALOS_CRASH_RUNS"), out var n) ? n : 30;

    [Fact]
    public void Crash_at_every_write_recovers_a_prefix_with_every_acknowledged_record() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs).WithArbitrary([typeof(Arbs)]),
            Prop.ForAll<Op[], bool, ulong>(CrashEverywhere));

    private static void CrashEverywhere(Op[] ops, bool force, ulong seed)
    {
        var points = 0;
        var model = new Model();
        // EnumerateCrashPoints is lazy: each point is yielded right after its run, so `model` is that run's model.
        foreach (var point in PowerLossSimulator.EnumerateCrashPoints(() => new MemoryBlockDevice(64 * 1024), sim => Run(sim, ops, force, model = new Model())))
        {
            points++;
            var disks = point.Simulator.PendingWriteCount <= 3 ? point.Simulator.EveryKeepDropCombination(3).ToList() : [];
            for (ulong s = 0; s < 2; s++) disks.Add(point.Simulator.Crash(seed + s * 7919 + (ulong)points, CrashModel.Default));
            foreach (var disk in disks)
                CheckRecovered(disk.Image, model, $"ops=[{string.Join(", ", ops.Select(o => o.ToString()))}] force={force} crash at op {point.Operation}, {disk}");
        }
        Assert.True(points >= 1);
    }

    [Fact]
    public void A_crash_during_creation_leaves_an_openable_empty_log()
    {
        foreach (var point in PowerLossSimulator.EnumerateCrashPoints(() => new MemoryBlockDevice(64 * 1024), sim => Open(sim).Dispose()))
            foreach (var disk in point.Simulator.EveryKeepDropCombination())
            {
                using var log = Open(disk.Image);
                Assert.Equal(0ul, log.LastSequence);
            }
    }

    private static void Run(PowerLossSimulator sim, Op[] ops, bool force, Model m)
    {
        var options = Options(force: force);
        MetaLog log;
        try { log = MetaLog.Open(sim, options, new SteppingTime()); }
        catch (MetaLogFailedException e) when (e.InnerException is PowerLossException p) { throw p; }
        try
        {
            var n = 0;
            foreach (var op in ops)
            {
                switch (op)
                {
                    case AppendOp a:
                        var entries = Enumerable.Range(0, a.Count).Select(i => Entry(n++, a.Size)).ToList();
                        m.Attempted.AddRange(entries);
                        try { m.Acked = log.AppendAsync(entries).AsTask().GetAwaiter().GetResult()[^1]; }
                        catch (MetaLogFullException) { m.Attempted.RemoveRange(m.Attempted.Count - entries.Count, entries.Count); }
                        break;
                    case CheckpointOp:
                        try { log.CheckpointAsync().AsTask().GetAwaiter().GetResult(); }
                        catch (MetaLogFullException) { }
                        break;
                    case AckOp:
                        log.AcknowledgeMirrored(log.LastSequence);
                        break;
                    case ReopenOp:
                        log.Dispose();
                        log = MetaLog.Open(sim, options, new SteppingTime());
                        Assert.Equal(RecoveryOutcome.Clean, log.Recovery.Outcome);
                        break;
                }
            }
        }
        catch (MetaLogFailedException e) when (e.InnerException is PowerLossException p) { throw p; }
        finally { log.Dispose(); }
    }

    private static void CheckRecovered(MemoryBlockDevice image, Model m, string context)
    {
        // 1. Read-only audit: a prefix of the attempted entries holding every acknowledged one, chain verified.
        List<LogRecord> audited;
        CheckpointHeader cp;
        using (var audit = MetaLog.OpenReadOnly(image))
        {
            var last = audit.LastSequence;
            Assert.True(last >= m.Acked, $"lost acknowledged records: recovered {last} < acked {m.Acked}; {context}");
            Assert.True(last <= (ulong)m.Attempted.Count, $"recovered {last} records but only {m.Attempted.Count} were written; {context}");
            audited = audit.ReadFrom(audit.FirstSequence).ToList();
            foreach (var r in audited)
            {
                var want = m.Attempted[(int)r.Sequence - 1];
                Assert.True(want.EventType == r.EventType && want.Payload.Span.SequenceEqual(r.Payload.Span), $"record {r.Sequence} differs from what was written; {context}");
            }
            AssertChain(audited);
            cp = audit.Checkpoint;
            var folded = Fold(cp.Snapshot, audited.Where(r => r.Sequence > cp.CheckpointSequence));
            Assert.True(cp.Snapshot.Length == 0 && cp.CheckpointSequence == 0 || cp.Snapshot.Length == 48, context);
            Assert.Equal(FoldEntries(m.Attempted.Take((int)last)), folded);
        }
        // 2. Writable open repairs; 3. a second open finds a clean log with the same content (idempotent).
        var copy = Copy(image);
        ulong repairedLast;
        byte[] repairedHash;
        using (var log = Open(copy))
        {
            var expectRepair = log.Recovery.Reason != TruncationReason.None;
            repairedLast = log.LastSequence;
            Assert.Equal(audited.Count == 0 ? log.FirstSequence - 1 : audited[^1].Sequence, repairedLast - (expectRepair ? 1ul : 0));
            repairedHash = log.LastHash.ToArray();
        }
        using var again = Open(copy);
        Assert.True(again.Recovery.Outcome == RecoveryOutcome.Clean && !again.Recovery.SuperblockRepaired, $"second open not clean: {again.Recovery}; {context}");
        Assert.Equal(repairedLast, again.LastSequence);
        Assert.Equal(repairedHash, again.LastHash.ToArray());
    }
}
