using Marten;
using Npgsql;
using Talos.Core.Events;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;

namespace Talos.Integration.Tests.Audit;

public sealed class TheFleetStoreDetectsRewrittenHistory : IAsyncLifetime
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private readonly string _schema = TestDatabase.SchemaFor(typeof(TheFleetStoreDetectsRewrittenHistory));
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

    private async Task<(NodeDisk Node, AuditResult Audit)> Mirror(Guid id, bool rollback)
    {
        var node = NodeDisk.InMemory(id);
        await node.HistoryAsync(rollback);
        Assert.Null((await new FleetMirror(_store, new MetaLogMirrorSource(node.Log, id.ToString())).SyncOnceAsync(default)).Error);
        node.CloseLog();
        return (node, DiskAudit.Run(node.Disk));
    }

    private async Task<int> Sql(string sql, params (string, object)[] args)
    {
        await using var conn = new NpgsqlConnection(TestDatabase.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql.Replace("$s", $"\"{_schema}\""), conn);
        foreach (var (k, v) in args) cmd.Parameters.AddWithValue(k, v);
        return await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_payload_edited_in_place_in_the_database_fails_the_recomputed_frame_hash()
    {
        var id = Guid.Parse("6f1c1d1e-0000-4000-8000-000000000041");
        var (node, audit) = await Mirror(id, rollback: true);
        using var _ = node;
        var e = EventCodec.Decode(audit.Records[11].Payload);
        e.ImageWrittenToSlot.Version = "v1.10.9";
        var forged = Convert.ToBase64String(EventCodec.Encode(e));
        var changed = 0;
        foreach (var key in new[] { "payload", "Payload" })
            changed += await Sql($"update $s.mt_events set data = jsonb_set(data, '{{{key}}}', to_jsonb(@p::text)) where stream_id = @id and version = 12 and data ? '{key}'",
                ("p", forged), ("id", id.ToString()));
        Assert.Equal(1, changed);

        var replay = await new FleetQueries(_store).ReplayAsync(id.ToString());

        var p = Assert.Single(replay.Problems);
        Assert.Equal(("chain", 12UL), (p.Kind, p.Sequence));
        Assert.Contains("record 12 was altered", p.Detail);
        Assert.NotEqual(audit.FinalState.Hash, replay.FinalState.Hash);
    }

    [Fact]
    public async Task A_stream_replaced_by_a_consistent_forged_chain_is_caught_by_the_signed_head_and_the_projection()
    {
        var id = Guid.Parse("6f1c1d1e-0000-4000-8000-000000000042");
        var (node, audit) = await Mirror(id, rollback: true);
        using var _ = node;
        var signer = new HeadSigner(Key);
        await FleetHeads.RegisterAsync(_store, id.ToString(), signer.PublicKey);
        Assert.Empty(await FleetHeads.RecordAsync(_store, id.ToString(), signer.Sign(audit)));
        Assert.True((await new FleetQueries(_store).ReplayAsync(id.ToString())).IsClean);

        // Someone with database access replaces the stream with a complete, internally consistent history.
        Assert.Equal(1, await Sql("delete from $s.mt_streams where id = @id", ("id", id.ToString())));
        using var forged = NodeDisk.InMemory(id);
        await forged.HistoryAsync(rollback: false);
        Assert.Null((await new FleetMirror(_store, new MetaLogMirrorSource(forged.Log, id.ToString())).SyncOnceAsync(default)).Error);

        var replay = await new FleetQueries(_store).ReplayAsync(id.ToString());
        var p = Assert.Single(replay.Problems);
        Assert.Equal(("rewritten", 20UL), (p.Kind, p.Sequence));

        // The inline summary had folded the real history to 20: the forged records do not link to it.
        await using var q = _store.QuerySession();
        var summary = await q.LoadAsync<NodeSummary>(id.ToString());
        Assert.Equal(20L, summary!.ChainBreaks);
        Assert.Equal(audit.FinalState.Hash, summary.StateHash);
    }

    [Fact]
    public async Task A_damaged_summary_document_never_stalls_the_mirror()
    {
        var id = Guid.Parse("6f1c1d1e-0000-4000-8000-000000000043");
        await using (var s = _store.LightweightSession())
        {
            s.Store(new NodeSummary { Id = id.ToString(), State = "not base64 at all!" });
            await s.SaveChangesAsync();
        }

        var (node, audit) = await Mirror(id, rollback: true);   // asserts the mirror pass had no error
        using var _ = node;

        await using var q = _store.QuerySession();
        Assert.Equal(20L, (await q.LoadAsync<NodeSummary>(id.ToString()))!.ChainBreaks);
        Assert.Equal(audit.FinalState.Hash, (await new FleetQueries(_store).ReplayAsync(id.ToString())).FinalState.Hash);
    }

    [Fact]
    public async Task Talosctl_verify_reports_where_a_node_diverges_from_the_fleet()
    {
        var id = Guid.Parse("6f1c1d1e-0000-4000-8000-000000000044");
        var (node, _) = await Mirror(id, rollback: true);
        using var _n = node;
        using var forged = NodeDisk.InMemory(id);
        await forged.HistoryAsync(rollback: false);   // same first 16 records, then another story
        forged.CloseLog();
        var dir = Directory.CreateTempSubdirectory("talos-diverge-").FullName;
        try
        {
            var real = Path.Combine(dir, "real.img");
            var fake = Path.Combine(dir, "fake.img");
            await File.WriteAllBytesAsync(real, ((Talos.Partitions.Devices.MemoryBlockDevice)node.Disk).Bytes.ToArray());
            await File.WriteAllBytesAsync(fake, ((Talos.Partitions.Devices.MemoryBlockDevice)forged.Disk).Bytes.ToArray());

            var ok = await Cli("audit", "verify", "--disk", real, "--store", TestDatabase.ConnectionString, "--schema", _schema);
            // This history was never signed (no node key, nothing registered): consistent, not authenticated (issue #22).
            Assert.DoesNotContain("ERROR [diverged]", ok.Out);
            Assert.EndsWith("NOT AUTHENTICATED\n", ok.Out);
            Assert.Contains("FLEET 20 records in the store", ok.Out);

            var bad = await Cli("audit", "verify", "--disk", fake, "--store", TestDatabase.ConnectionString, "--schema", _schema);
            Assert.Equal(1, bad.Code);
            Assert.Contains("ERROR [diverged] at 17: the node's record 17 hashes to", bad.Out);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Talos.Ctl.Cli.RunAsync(args, new Talos.Ctl.Commands.CliContext(o, e));
        return (code, o.ToString(), e.ToString());
    }
}
