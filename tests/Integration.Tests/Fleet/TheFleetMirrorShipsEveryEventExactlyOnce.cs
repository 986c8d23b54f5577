using System.Security.Cryptography;
using System.Text;
using Marten;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;

namespace Talos.Integration.Tests.Fleet;

/// <summary>
/// A growing, gap-free log standing in for META in these store tests (the META log itself is tested in
/// Partitions.Tests; the node wiring in the node tests). Records are hash-chained like META's.
/// </summary>
internal sealed class GrowingLog(string nodeId) : IMirrorSource
{
    private readonly List<MirroredEvent> _records = new();
    private readonly object _gate = new();
    public string NodeId { get; } = nodeId;
    public ulong Acknowledged { get; private set; }

    public ulong LastSequence { get { lock (_gate) return (ulong)_records.Count; } }

    public void Append(int count)
    {
        lock (_gate)
            for (var i = 0; i < count; i++)
            {
                var seq = _records.Count + 1;
                var prev = _records.Count == 0 ? new string('0', 64) : _records[^1].Hash;
                var json = $"{{\"n\":{seq}}}";
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prev + json)));
                _records.Add(new MirroredEvent(seq, 99, "probe", json, Convert.ToBase64String(Encoding.UTF8.GetBytes(json)), hash, prev,
                    DateTimeOffset.UnixEpoch.AddSeconds(seq)));
            }
    }

    public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max)
    {
        lock (_gate) return _records.Skip((int)fromSequence - 1).Take(max).ToList();
    }

    public void AcknowledgeMirrored(ulong sequence) { lock (_gate) Acknowledged = Math.Max(Acknowledged, sequence); }

    public IReadOnlyList<MirroredEvent> All { get { lock (_gate) return _records.ToList(); } }
}

public sealed class TheFleetMirrorShipsEveryEventExactlyOnce : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(TheFleetMirrorShipsEveryEventExactlyOnce));
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        _store = FleetMirror.CreateStore(TestDatabase.ConnectionString, _schema);
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    private static async Task AssertStreamEqualsLog(IDocumentStore store, GrowingLog log)
    {
        await using var q = store.QuerySession();
        var events = await q.Events.FetchStreamAsync(log.NodeId);
        Assert.Equal(Enumerable.Range(1, log.All.Count).Select(i => (long)i), events.Select(e => e.Version));
        Assert.Equal(log.All, events.Select(e => (MirroredEvent)e.Data));
    }

    [Fact]
    public async Task Two_shippers_of_the_same_node_end_with_no_duplicate_and_no_gap()
    {
        var log = new GrowingLog("node-two-shippers");
        log.Append(1200);
        var a = new FleetMirror(_store, log, batch: 50);
        var b = new FleetMirror(_store, log, batch: 70);
        var results = await Task.WhenAll(a.SyncOnceAsync(default), b.SyncOnceAsync(default));
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(1200, results.Sum(r => r.Appended));
        await AssertStreamEqualsLog(_store, log);
        Assert.Equal(1200UL, log.Acknowledged);
    }

    [Fact]
    public async Task A_node_restarted_mid_mirror_resumes_from_the_store_version()
    {
        var log = new GrowingLog("node-restarted");
        log.Append(300);
        var first = await new FleetMirror(_store, log, batch: 100).SyncOnceAsync(default);
        Assert.Equal(300, first.Appended);
        log.Append(250);   // the node went on writing, then "restarted": a new mirror instance, no memory of the old one
        var second = await new FleetMirror(_store, log, batch: 100).SyncOnceAsync(default);
        Assert.Equal(250, second.Appended);
        Assert.Equal(0, second.Lag);
        await AssertStreamEqualsLog(_store, log);
    }

    [Fact]
    public async Task A_log_with_a_gap_is_refused_and_nothing_is_appended()
    {
        var log = new GrowingLog("node-gap");
        log.Append(5);
        var gappy = new GapSource(log);
        await Assert.ThrowsAsync<InvalidOperationException>(() => new FleetMirror(_store, gappy).SyncOnceAsync(default));
        await using var q = _store.QuerySession();
        Assert.Null(await q.Events.FetchStreamStateAsync(log.NodeId));
    }

    private sealed class GapSource(GrowingLog inner) : IMirrorSource
    {
        public string NodeId => inner.NodeId;
        public ulong LastSequence => inner.LastSequence;
        public IReadOnlyList<MirroredEvent> Read(ulong fromSequence, int max) => inner.Read(fromSequence, max).Where(e => e.Sequence != 3).ToList();
        public void AcknowledgeMirrored(ulong sequence) => inner.AcknowledgeMirrored(sequence);
    }
}

/// <summary>PostgreSQL stopped and restarted mid-mirror: a private server so the shared one stays up.</summary>
public sealed class TheFleetMirrorSurvivesAStoreOutage
{
    [Fact]
    public async Task The_node_keeps_working_while_the_store_is_down_and_the_mirror_catches_up()
    {
        await using var pg = await PrivatePostgres.StartAsync("mirror-outage", 55410);
        using var store = FleetMirror.CreateStore(pg.ConnectionString, "fleet");
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var log = new GrowingLog("node-outage");
        log.Append(100);
        var mirror = new FleetMirror(store, log, batch: 40);
        Assert.Equal(100, (await mirror.SyncOnceAsync(default)).Appended);

        await pg.StopAsync();
        log.Append(60);                                   // the node keeps appending while the store is down
        var down = await mirror.SyncOnceAsync(default);
        Assert.NotNull(down.Error);
        Assert.Equal(0, down.Appended);
        Assert.Equal(100UL, log.Acknowledged);            // nothing unacknowledged may be compacted away

        await pg.StartAgainAsync();
        using var store2 = FleetMirror.CreateStore(pg.ConnectionString, "fleet");
        var up = await new FleetMirror(store2, log, batch: 40).SyncOnceAsync(default);
        Assert.Null(up.Error);
        Assert.Equal(60, up.Appended);
        Assert.Equal(160UL, log.Acknowledged);
        await using var q = store2.QuerySession();
        var events = await q.Events.FetchStreamAsync(log.NodeId);
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), events.Select(e => e.Version));
    }
}
