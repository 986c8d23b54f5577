using Marten;
using Npgsql;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;

namespace Talos.Integration.Tests.Audit;

public sealed class TheFleetStoreProjectsAndReplaysNodeHistories : IAsyncLifetime
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private readonly string _schema = TestDatabase.SchemaFor(typeof(TheFleetStoreProjectsAndReplaysNodeHistories));
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

    private static Guid Id(int n) => Guid.Parse($"6f1c1d1e-0000-4000-8000-{n:d12}");

    private async Task<(NodeDisk Node, AuditResult Audit)> MirroredNode(int n, bool rollback)
    {
        var node = NodeDisk.InMemory(Id(n));
        await node.HistoryAsync(rollback);
        var r = await new FleetMirror(_store, new MetaLogMirrorSource(node.Log, Id(n).ToString()), batch: 7).SyncOnceAsync(default);
        Assert.Null(r.Error);
        Assert.Equal(20, r.StoreVersion);
        node.CloseLog();
        return (node, DiskAudit.Run(node.Disk));
    }

    [Fact]
    public async Task Replays_from_meta_from_the_store_and_the_projection_give_the_same_state_hash()
    {
        var (node, audit) = await MirroredNode(1, rollback: true);
        using var _ = node;
        var q = new FleetQueries(_store);

        var replay = await q.ReplayAsync(Id(1).ToString());

        Assert.True(replay.IsClean, string.Join("\n", replay.Problems));
        Assert.Equal(audit.FinalState.Hash, replay.FinalState.Hash);
        Assert.Equal(audit.LastHash, replay.LastHash);
        Assert.Equal(audit.Timeline, replay.Timeline);
        await using var s = _store.QuerySession();
        var summary = await s.LoadAsync<NodeSummary>(Id(1).ToString());
        Assert.NotNull(summary);
        Assert.Equal(audit.FinalState.Hash, summary.StateHash);
        Assert.Equal(("A", "A", "v1.9.0", node.DigestA, "", 20L, 1L, 0L),
            (summary.BootedSlot, summary.ConfirmedSlot, summary.Version, summary.ImageDigest, summary.TrialSlot, summary.LastSequence, summary.Rollbacks, summary.ChainBreaks));
        Assert.Equal(("upgrade", "completed"), (summary.LastOperation, summary.LastOutcome));
        Assert.NotNull(summary.LastRollbackAt);

        var attempt = Assert.Single(await q.UpgradeAttemptsAsync(Id(1).ToString()));
        Assert.Equal(("v1.9.0", "v1.10.0", "B", "rolled-back", 12L), (attempt.FromVersion, attempt.ToVersion, attempt.Slot, attempt.Outcome, attempt.StartSequence));
        Assert.Contains("HealthCheckFailed; tries used 1; failed checks [kubelet]", attempt.Evidence);
        Assert.True(attempt.End > attempt.Start);
    }

    [Fact]
    public async Task Fleet_questions_find_nodes_by_digest_version_rollback_and_lag()
    {
        var nodes = new[] { await MirroredNode(11, true), await MirroredNode(12, false), await MirroredNode(13, true) };
        try
        {
            var q = new FleetQueries(_store);
            var a = nodes[0].Node.DigestA;
            var b = nodes[0].Node.DigestB;
            Assert.Equal([Id(12).ToString()], (await q.ByImageDigestAsync("sha256:" + b)).Select(n => n.Id));
            Assert.Equal([Id(11).ToString(), Id(13).ToString()], (await q.ByVersionAsync("v1.9.0")).Select(n => n.Id));
            Assert.Equal([Id(11).ToString(), Id(13).ToString()], (await q.RolledBackSinceAsync(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))).Select(n => n.Id));
            Assert.Empty(await q.RolledBackSinceAsync(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero)));
            var inv = await q.ImageInventoryAsync();
            Assert.Equal(3, inv[a].Count(id => id.StartsWith("6f1c1d1e-0000-4000-8000-00000000001", StringComparison.Ordinal)));
            Assert.Equal(3, inv[b].Count(id => id.StartsWith("6f1c1d1e-0000-4000-8000-00000000001", StringComparison.Ordinal)));
            var confirmed = Assert.Single(await q.UpgradeAttemptsAsync(Id(12).ToString()));
            Assert.Equal("confirmed", confirmed.Outcome);

            // Node 12 reports (signs) a head ahead of what the store holds: it is lagging.
            var signer = new HeadSigner(Key);
            await FleetHeads.RegisterAsync(_store, Id(12).ToString(), signer.PublicKey);
            Assert.Empty(await FleetHeads.RecordAsync(_store, Id(12).ToString(), signer.Sign(Id(12), 25, new byte[32])));
            Assert.Equal([Id(12).ToString()], (await q.LaggingAsync(DateTimeOffset.UnixEpoch)).Select(n => n.Id));
            Assert.Equal(3, (await q.LaggingAsync(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero))).Count(n => n.Id.StartsWith("6f1c1d1e-0000-4000-8000-00000000001", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var (n, _) in nodes) n.Dispose();
        }
    }

    [Fact]
    public async Task A_range_deleted_from_the_store_is_reported_as_a_gap()
    {
        var (node, _) = await MirroredNode(21, rollback: true);
        using var _n = node;
        await using (var conn = new NpgsqlConnection(TestDatabase.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"delete from \"{_schema}\".mt_events where stream_id = @id and version between 5 and 7", conn);
            cmd.Parameters.AddWithValue("id", Id(21).ToString());
            Assert.Equal(3, await cmd.ExecuteNonQueryAsync());
        }

        var replay = await new FleetQueries(_store).ReplayAsync(Id(21).ToString());

        Assert.False(replay.IsClean);
        var gap = Assert.Single(replay.Problems);
        Assert.Equal(("gap", 8UL), (gap.Kind, gap.Sequence));
        Assert.Contains("sequence 8 follows 4", gap.Detail);
    }

    [Fact]
    public async Task The_store_keeps_the_first_registered_key_and_refuses_heads_it_does_not_verify()
    {
        var node = Id(31).ToString();
        var signer = new HeadSigner(Key);
        await FleetHeads.RegisterAsync(_store, node, signer.PublicKey);
        await FleetHeads.RegisterAsync(_store, node, signer.PublicKey);   // idempotent
        var other = new HeadSigner(Enumerable.Repeat((byte)9, 32).ToArray());
        await Assert.ThrowsAsync<NodeKeyMismatchException>(() => FleetHeads.RegisterAsync(_store, node, other.PublicKey));

        Assert.Equal("signature", Assert.Single(await FleetHeads.RecordAsync(_store, node, other.Sign(Id(31), 3, new byte[32]))).Kind);
        Assert.Empty(await FleetHeads.RecordAsync(_store, node, signer.Sign(Id(31), 3, new byte[32])));
        Assert.Equal("rewound", Assert.Single(await FleetHeads.RecordAsync(_store, node, signer.Sign(Id(31), 2, new byte[32]))).Kind);
        await using var q = _store.QuerySession();
        Assert.Equal(3UL, (await FleetHeads.LoadAsync(q, node))!.Value.Head!.Sequence);
    }

    [Fact]
    public async Task Talosctl_replays_from_the_fleet_and_from_the_disk_print_the_same_timeline_and_state()
    {
        var (node, audit) = await MirroredNode(51, rollback: true);
        using var _ = node;
        var path = Path.Combine(Path.GetTempPath(), $"audit-fleet-{Guid.NewGuid():N}.img");
        try
        {
            await File.WriteAllBytesAsync(path, ((Talos.Partitions.Devices.MemoryBlockDevice)node.Disk).Bytes.ToArray());
            var fleet = await Cli(["audit", "replay", "--from", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", Id(51).ToString()]);
            var disk = await Cli(["audit", "replay", "--from", "disk:" + path]);
            Assert.Equal((0, ""), (fleet.Code, fleet.Err));
            Assert.Equal(0, disk.Code);
            Assert.Contains($"STATE HASH {audit.FinalState.Hash}", fleet.Out);
            Assert.Equal("STORE 20 records, versions 1..20", fleet.Out.Split('\n')[1]);
            static string FromTimeline(string o) => o[o.IndexOf("TIMELINE", StringComparison.Ordinal)..];
            Assert.Equal(FromTimeline(disk.Out), FromTimeline(fleet.Out));

            var missing = await Cli(["audit", "replay", "--from", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", "nobody"]);
            Assert.Equal(1, missing.Code);
            Assert.Equal($"error: the fleet store has no history for node nobody in schema {_schema}", missing.Err.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<(int Code, string Out, string Err)> Cli(string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Talos.Ctl.Cli.RunAsync(args, new Talos.Ctl.Commands.CliContext(o, e));
        return (code, o.ToString(), e.ToString());
    }
}
