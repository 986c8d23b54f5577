using Marten;
using Talos.Api.Events;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// The copy appender folds the read models once per batch and keeps them between batches (issue #10 throughput): the
/// documents must stay exactly what Marten's own per-event projection gives, whoever appended in between.
/// </summary>
public sealed class ReadModelsAgreeWhateverWritesTheStream : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(ReadModelsAgreeWhateverWritesTheStream));
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        _store = AuditStore.Create(TestDatabase.ConnectionString, _schema);
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    // Upgrade cycles (written, trial, booted, confirmed or rolled back) mixed with other events.
    private static Action<NodeEvent> Payload(int i, Random rng)
    {
        var slot = i / 8 % 2 == 0 ? Slot.B : Slot.A;
        var version = $"v1.{i / 8}.0";
        var digest = (i / 8 + 1).ToString("x64");
        return (i % 8) switch
        {
            0 => e => e.ImageWrittenToSlot = new() { Slot = slot, Digest = digest, Version = version, ImageRef = "r:" + version, Size = 1 << 20 },
            1 => e => e.TrialBootSet = new() { Slot = slot, Tries = 1 },
            2 => e => e.Booted = new() { Slot = slot, Version = version, MeasuredDigest = digest },
            3 => e => e.HealthCheckResult = new() { Check = "c" + rng.Next(3), Passed = rng.Next(4) > 0, Slot = slot },
            4 when rng.Next(5) == 0 => e => e.RolledBack = new() { From = slot, To = slot == Slot.A ? Slot.B : Slot.A, Reason = RollbackReason.HealthCheckFailed },
            4 => e => e.BootConfirmed = new() { Slot = slot, Version = version },
            5 => e => e.ServiceStateChanged = new() { Service = "kubelet", State = ServiceState.Running, Healthy = true },
            6 => e => e.SequenceStarted = new() { Sequence = "upgrade" },
            _ => e => e.SequenceCompleted = new() { Sequence = "upgrade" },
        };
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Copy_batches_interleaved_with_other_shippers_give_the_documents_of_marten_s_own_fold(int seed)
    {
        var rng = new Random(seed);
        using var node = NodeDisk.InMemory(Guid.Parse($"6f1c1d1e-0000-4000-8000-{seed + 100:d12}"));
        string Key(string who) => $"{who}-{seed}";
        var copyA = new FleetMirror(_store, new MetaLogMirrorSource(node.Log, Key("mixed")), batch: 7);
        var copyB = new FleetMirror(_store, new MetaLogMirrorSource(node.Log, Key("mixed")), batch: 5);
        var marten = new FleetMirror(_store, new MetaLogMirrorSource(node.Log, Key("mixed")), batch: 3, MirrorAppend.Marten);
        var alone = new FleetMirror(_store, new MetaLogMirrorSource(node.Log, Key("copy")), batch: 11);
        var reference = new FleetMirror(_store, new MetaLogMirrorSource(node.Log, Key("marten")), batch: 1, MirrorAppend.Marten);
        var i = 0;
        foreach (var shipper in new[] { copyA, copyB, copyA, marten, copyA, copyB, copyA })
        {
            for (var n = rng.Next(10, 40); n > 0; n--, i++) await node.AppendAsync("op-" + i / 8, Payload(i, rng));
            Assert.Null((await shipper.SyncOnceAsync(default)).Error);
            Assert.Null((await alone.SyncOnceAsync(default)).Error);
        }
        Assert.Null((await reference.SyncOnceAsync(default)).Error);

        await using var q = _store.QuerySession();
        var expected = await q.LoadAsync<NodeSummary>(Key("marten"));
        var history = await Attempts(q, Key("marten"));
        var count = (await q.LoadAsync<UpgradeHistory>(Key("marten")))!.AttemptCount;
        Assert.True(count >= 3, $"only {count} upgrade attempts");
        Assert.Equal(count, history.Split('\n').Length - 2);   // one document per attempt, each written
        Assert.Equal(DiskAudit.Run(node.Disk).FinalState.Hash, expected!.StateHash);
        foreach (var key in new[] { Key("mixed"), Key("copy") })
        {
            var summary = (await q.LoadAsync<NodeSummary>(key))!;
            Assert.Equal(Fields(expected), Fields(summary));
            Assert.Equal(history, await Attempts(q, key));
        }
    }

    private static string Fields(NodeSummary s) => string.Join("|", s.LastSequence, s.LastHash, s.State, s.StateHash, s.ChainBreaks, s.BootedSlot,
        s.ConfirmedSlot, s.Version, s.ImageDigest, s.SlotADigest, s.SlotBDigest, s.TrialSlot, s.TrialTriesLeft, s.LastOperation, s.LastOutcome,
        s.Rollbacks, s.LastRollbackAt, s.LastSeen);

    // The per-node fold position and every attempt document of the node (ids relative to the node, so keys compare).
    private static async Task<string> Attempts(IQuerySession q, string key)
    {
        var h = (await q.LoadAsync<UpgradeHistory>(key))!;
        var attempts = await q.Query<UpgradeAttempt>().Where(a => a.NodeId == key).OrderBy(a => a.StartSequence).ToListAsync();
        return string.Join("|", h.LastSequence, h.LastHash, h.State, h.ChainBreaks, h.AttemptCount, h.Pending?.StartSequence) + "\n"
            + string.Join("", attempts.Select(a => $"{a.Id[key.Length..]} {a.StartSequence} {a.OperationId} {a.Slot} {a.FromVersion}>{a.ToVersion} {a.FromDigest}>{a.ToDigest} {a.Start} {a.End} {a.Outcome} {a.Evidence}\n"));
    }
}
