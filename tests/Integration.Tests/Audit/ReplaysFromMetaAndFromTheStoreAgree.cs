using Google.Protobuf;
using Marten;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;
using Talos.Partitions.Meta;

namespace Talos.Integration.Tests.Audit;

/// <summary>Invariant 6 over seeded random histories: META replay, store replay and the inline projection agree.</summary>
public sealed class ReplaysFromMetaAndFromTheStoreAgree : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(ReplaysFromMetaAndFromTheStoreAgree));
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

    private static Action<NodeEvent> RandomPayload(Random rng)
    {
        var hex = Convert.ToHexStringLower(BitConverter.GetBytes(rng.NextInt64())).PadLeft(64, 'e');
        return rng.Next(6) switch
        {
            0 => e => e.MetaKeySet = new() { Key = (uint)rng.Next(0, 300), Value = ByteString.CopyFrom(BitConverter.GetBytes(rng.Next())) },
            1 => e => e.ServiceStateChanged = new() { Service = "svc" + rng.Next(4), State = (ServiceState)rng.Next(9), Healthy = rng.Next(2) == 0, Message = "m" + rng.Next() },
            2 => e => e.ConfigApplied = new() { Mode = (ApplyMode)rng.Next(5), Digest = hex, ChangedPaths = { "a" + rng.Next(3) } },
            3 => e => e.HealthCheckResult = new() { Check = "c" + rng.Next(3), Passed = rng.Next(2) == 0, Slot = Slot.A },
            4 => e => e.SequenceStarted = new() { Sequence = "seq" + rng.Next(3) },
            _ => e => e.MetaKeyDeleted = new() { Key = (uint)rng.Next(0, 300) },
        };
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task For_a_random_history_all_three_replays_have_the_same_hash(int seed)
    {
        var rng = new Random(seed);
        var id = Guid.Parse($"6f1c1d1e-0000-4000-8000-{seed:d12}");
        using var node = NodeDisk.InMemory(id);
        var total = rng.Next(20, 120);
        while (node.Log.LastSequence < (ulong)total)
        {
            var batch = Enumerable.Range(0, rng.Next(1, 9)).Select(_ => RandomPayload(rng)).ToArray();
            node.Time.Advance(TimeSpan.FromTicks(rng.Next(1, 50_000_000)));   // sub-microsecond parts exercise the frame time
            await node.AppendAsync("op-" + rng.Next(3), batch);
        }
        var mirror = new FleetMirror(_store, new MetaLogMirrorSource(node.Log, id.ToString()), batch: rng.Next(1, 40));
        Assert.Null((await mirror.SyncOnceAsync(default)).Error);
        node.CloseLog();

        var meta = DiskAudit.Run(node.Disk);
        var store = await new FleetQueries(_store).ReplayAsync(id.ToString());
        await using var q = _store.QuerySession();
        var summary = await q.LoadAsync<NodeSummary>(id.ToString());

        Assert.Equal(RecoveryOutcome.Clean, meta.Recovery.Outcome);
        Assert.Empty(store.Problems);
        Assert.Equal(meta.FinalState.Hash, store.FinalState.Hash);
        Assert.Equal(meta.FinalState.Hash, summary!.StateHash);
        Assert.Equal((long)meta.LastSequence, summary.LastSequence);
        Assert.Equal(meta.LastHash, store.LastHash);
        Assert.Equal(0L, summary.ChainBreaks);
    }
}
