using NodeEvent = Talos.Api.Events.NodeEvent;
using Talos.Core.State;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Sequencer.Tests.Support;

namespace Talos.Sequencer.Tests;

/// <summary>The journal over the real META log (partitions/Meta) on a memory disk, and NodeState's fold of it.</summary>
public class MetaLogJournalTests
{
    private const long MetaLength = 1024 * 1024;
    private static readonly TimeProvider Clock = new ManualTime();

    /// <summary>Serialises I/O: the META writer thread and task writes share one (non-thread-safe) simulated disk.</summary>
    private sealed class LockedDevice(IBlockDevice inner) : IBlockDevice
    {
        private readonly Lock _gate = new();
        public int SectorSize => inner.SectorSize;
        public long Length => inner.Length;
        public void Read(long offset, Span<byte> buffer) { lock (_gate) inner.Read(offset, buffer); }
        public void Write(long offset, ReadOnlySpan<byte> data) { lock (_gate) inner.Write(offset, data); }
        public void Flush() { lock (_gate) inner.Flush(); }
        public void Dispose() { }
    }

    private sealed record Node(MetaLog Log, ISequenceJournal Journal, DiskTaskCatalog Catalog, SequenceRunner Runner) : IDisposable
    {
        public static Node Open(IBlockDevice disk)
        {
            var log = MetaLog.Open(new SubDevice(disk, 0, MetaLength), new MetaLogOptions(), Clock);
            var journal = new NodeEventJournal(new MetaLogEventSink(log), Clock);
            var catalog = new DiskTaskCatalog(new SubDevice(disk, MetaLength, DiskTaskCatalog.RequiredLength(512)));
            return new Node(log, journal, catalog, new SequenceRunner(catalog, journal, Clock));
        }

        public void Dispose() => Log.Dispose();
    }

    private static long DiskLength => MetaLength + DiskTaskCatalog.RequiredLength(512);

    private static NodeState Fold(MetaLog log) =>
        new MetaLogEventSink(log).ReadAll().Aggregate(NodeState.Initial, NodeState.Apply);

    [Theory]
    [InlineData("install")]
    [InlineData("upgrade")]
    [InlineData("reset-reboot-labels")]
    [InlineData("applyConfig-try")]
    public async Task A_sequence_journaled_to_META_reads_back_identically_and_folds_to_an_idle_node(string variant)
    {
        var request = RequestVariants.Get(variant);
        var reference = new Harness();
        await reference.RunAsync(request);

        var disk = new MemoryBlockDevice(DiskLength);
        using (var node = Node.Open(disk))
        {
            await node.Runner.RunAsync(request, new RunIdentity("seq-1", "actor-seq-1"), new StaticNodeFacts(), CancellationToken.None);
            Assert.Equal(reference.Journal.Events, await node.Journal.ReadAllAsync(CancellationToken.None));
            var state = Fold(node.Log);
            Assert.Null(state.Running);
            Assert.Empty(state.Anomalies);
            Assert.Equal(node.Log.LastSequence, state.LastSequence);
        }
        // Replay from a captured image of the disk gives the same NodeState hash.
        var live = Node.Open(disk);
        var liveHash = Fold(live.Log).Hash;
        live.Dispose();
        using var image = MetaLog.OpenReadOnly(new SubDevice(new MemoryBlockDevice(disk.Bytes), 0, MetaLength));
        Assert.Equal(liveHash, Fold(image).Hash);
    }

    [Fact]
    public async Task A_sequence_journaled_to_META_on_a_real_file_survives_reopening_the_file()
    {
        var request = new InstallRequest("/dev/sda", "img");
        var reference = new Harness();
        await reference.RunAsync(request);
        var path = Path.Combine(Path.GetTempPath(), $"talos-seq-meta-{Environment.ProcessId}.img");
        try
        {
            string hash;
            using (var file = FileBlockDevice.Create(path, DiskLength))
            using (var node = Node.Open(file))
            {
                await node.Runner.RunAsync(request, new RunIdentity("seq-1", "actor-seq-1"), new StaticNodeFacts(), CancellationToken.None);
                hash = Fold(node.Log).Hash;
            }
            using var reopened = FileBlockDevice.Open(path);
            using var log = MetaLog.OpenReadOnly(new SubDevice(reopened, 0, MetaLength));
            var events = await new NodeEventJournal(new MetaLogEventSink(log), Clock).ReadAllAsync(CancellationToken.None);
            Assert.Equal(reference.Journal.Events, events);
            Assert.Equal(hash, Fold(log).Hash);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Every_journal_event_maps_to_a_catalogue_payload_and_back()
    {
        JournalEvent[] all =
        [
            new SequenceStarted("s", "a", "upgrade", "image=x"), new SequenceCompleted("s", "a", "upgrade"),
            new SequenceFailed("s", "a", "upgrade", FailureCode.Canceled, "m"), new PhaseStarted("s", "a", "upgrade", "p", 2, 9),
            new PhaseCompleted("s", "a", "upgrade", "p"), new PhaseFailed("s", "a", "upgrade", "p", FailureCode.Fatal, "m"),
            new TaskStarted("s", "a", "upgrade", "p", "t"), new TaskCompleted("s", "a", "upgrade", "p", "t"),
            new TaskFailed("s", "a", "upgrade", "p", "t", FailureCode.Fatal, "m"), new OperationLocked("s", "a", "reboot", "upgrade", "s0"),
            new SequenceResumed("s", "a", "upgrade", "p", "t", 3), new StepCompensated("s", "a", "upgrade", "p", "t", "undo"),
            new SequenceAbandoned("s", "a", "upgrade", "r"),
        ];
        var cases = new HashSet<NodeEvent.PayloadOneofCase>();
        for (var i = 0; i < all.Length; i++)
        {
            var n = NodeEventMapping.ToNodeEvent(all[i], (ulong)i + 1, Clock);
            Assert.Equal((ulong)i + 1, n.Sequence);
            Assert.Equal("a", n.ActorId);
            Assert.Equal("s", n.SequenceId);
            Assert.Equal(all[i], NodeEventMapping.FromNodeEvent(n));
            cases.Add(n.PayloadCase);
        }
        Assert.Equal(13, cases.Count);
        Assert.All(cases, c => Assert.InRange((int)c, 10, 22));
        Assert.Null(NodeEventMapping.FromNodeEvent(new NodeEvent { BootConfirmed = new() }));
    }

    [Fact]
    public async Task An_interrupted_sequence_is_visible_in_the_fold_with_its_open_task_and_recovery_closes_it()
    {
        var disk = new MemoryBlockDevice(DiskLength);
        var request = new UpgradeRequest("img:2");
        using (var node = Node.Open(disk))
        {
            node.Catalog.Before = (ctx, _) => ctx.Task == "writeInactiveSlot" ? throw new PowerLostException() : Task.CompletedTask;
            Assert.False(await Harness.SurvivesAsync(() =>
                node.Runner.RunAsync(request, new RunIdentity("seq-1", "actor-1"), new StaticNodeFacts(), CancellationToken.None)));
            var state = Fold(node.Log);
            Assert.NotNull(state.Running);
            Assert.Equal("seq-1", state.Running!.SequenceId);
            Assert.Contains("writeInactiveSlot", state.Running.OpenTasks);
        }
        using (var node = Node.Open(disk))
        {
            var reports = await new CrashRecovery(node.Journal, node.Catalog, node.Runner)
                .RecoverAsync(new StaticNodeFacts(), CancellationToken.None); // request rebuilt from the log
            Assert.Equal(RecoveryAction.Resumed, Assert.Single(reports).Action);
            var state = Fold(node.Log);
            Assert.Null(state.Running);
            Assert.Empty(state.Anomalies);
            JournalInvariants.Check(await node.Journal.ReadAllAsync(CancellationToken.None), node.Catalog);
        }
    }

    [Theory]
    [MemberData(nameof(RequestVariants.Names), MemberType = typeof(RequestVariants))]
    public async Task Power_loss_at_every_disk_operation_then_recovery_leaves_log_and_disk_consistent(string variant)
    {
        var request = RequestVariants.Get(variant);
        var checkedPoints = 0;
        for (long k = 0; ; k++)
        {
            var formatted = new MemoryBlockDevice(DiskLength);
            Node.Open(formatted).Dispose(); // the log exists before the sequence (install created it)
            var sim = new PowerLossSimulator(formatted) { CrashAtOperation = k };
            var disk = new LockedDevice(sim);
            var completed = await Harness.SurvivesAsync(async () =>
            {
                using var node = Node.Open(disk);
                await node.Runner.RunAsync(request, new RunIdentity("seq-1", "actor-1"), new StaticNodeFacts(), CancellationToken.None);
            });
            if (completed) break;
            foreach (var seed in new ulong[] { 1, 2 })
            {
                var crashed = sim.Crash(seed, CrashModel.Default).Image;
                using var node = Node.Open(crashed);
                await new CrashRecovery(node.Journal, node.Catalog, node.Runner)
                    .RecoverAsync(new StaticNodeFacts(), CancellationToken.None); // request rebuilt from the log
                var events = await node.Journal.ReadAllAsync(CancellationToken.None);
                try
                {
                    JournalInvariants.Check(events, node.Catalog);
                    var state = Fold(node.Log);
                    Assert.Null(state.Running);
                    Assert.Empty(state.Anomalies);
                }
                catch (Exception ex)
                {
                    throw new Xunit.Sdk.XunitException($"--seed {seed} crash at operation {k}: {ex.Message}\n{string.Join("\n", events)}");
                }
            }
            checkedPoints++;
            Assert.True(k < 5000, "scenario does not terminate");
        }
        Assert.True(checkedPoints > 10, $"only {checkedPoints} crash points");
    }
}
