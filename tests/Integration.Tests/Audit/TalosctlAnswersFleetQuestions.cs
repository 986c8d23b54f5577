using Marten;
using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;

namespace Talos.Integration.Tests.Audit;

/// <summary>talosctl audit fleet (issue #10): each question over the real store's NodeSummary / NodeHead documents.</summary>
public sealed class TalosctlAnswersFleetQuestions : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string DigestA = new('a', 64), DigestB = new('b', 64);
    private readonly string _schema = TestDatabase.SchemaFor(typeof(TalosctlAnswersFleetQuestions));
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        _store = AuditStore.Create(TestDatabase.ConnectionString, _schema);
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await _store.BulkInsertAsync(Enumerable.Range(0, 6).Select(i => new NodeSummary
        {
            Id = $"node-{i}", Hostname = $"host-{i}", Role = i < 2 ? "controlplane" : "worker", BootedSlot = i % 2 == 0 ? "A" : "B", ConfirmedSlot = "A",
            Version = i < 3 ? "v1.9.0" : "v1.9.1", ImageDigest = i < 3 ? DigestA : DigestB, LastSequence = 100,
            Rollbacks = i == 4 ? 2 : 0, LastRollbackAt = i == 4 ? T0.AddHours(1) : null, LastSeen = i == 5 ? T0.AddHours(-2) : T0,
        }).ToList());
        await using var s = _store.LightweightSession();
        s.Store(new NodeHead { Id = "node-1", PublicKey = "AA==", Sequence = 120 });   // signed further than the store holds
        s.Store(new NodeHead { Id = "node-2", PublicKey = "AA==", Sequence = 100 });
        await s.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    private async Task<(int Code, string[] Nodes, string Out)> Fleet(params string[] filter)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliContext(o, e) { Time = new FixedTime(T0.AddMinutes(1)) };
        var code = await Cli.RunAsync(["audit", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, .. filter], io);
        var lines = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (code, [.. lines.Skip(1).SkipLast(1).Select(l => l.Split(' ')[0])], o + e.ToString());
    }

    [Fact]
    public async Task Each_question_lists_exactly_the_matching_nodes()
    {
        var all = await Fleet();
        Assert.True(all.Code == 0, all.Out);
        Assert.Equal(["node-0", "node-1", "node-2", "node-3", "node-4", "node-5"], all.Nodes);
        Assert.Contains("host-1", all.Out);
        Assert.Contains("controlplane", all.Out);
        Assert.EndsWith("6 node(s)\n", all.Out.Replace("\r\n", "\n"));

        Assert.Equal(["node-3", "node-4", "node-5"], (await Fleet("--image-digest", "sha256:" + DigestB.ToUpperInvariant())).Nodes);
        Assert.Equal(["node-0", "node-1", "node-2"], (await Fleet("--version", "v1.9.0")).Nodes);
        Assert.Equal(["node-4"], (await Fleet("--rolled-back-since", "2026-03-01T00:30:00Z")).Nodes);
        Assert.Empty((await Fleet("--rolled-back-since", "2026-03-01T02:00:00Z")).Nodes);
        // node-5 unseen for 2 h; node-1 signed a head beyond what the store holds.
        Assert.Equal(["node-1", "node-5"], (await Fleet("--lagging")).Nodes);
        Assert.Equal(["node-1"], (await Fleet("--lagging", "--stale-after", "3h")).Nodes);
        Assert.Equal(["node-5"], (await Fleet("--lagging", "--version", "v1.9.1")).Nodes);
    }

    [Fact]
    public async Task A_schema_without_the_read_models_is_refused_clearly()
    {
        var r = await Fleet_in("no_such_schema");
        Assert.Equal(1, r.Code);
        Assert.Contains("error: schema no_such_schema holds no fleet read models", r.Err);
    }

    private static async Task<(int Code, string Err)> Fleet_in(string schema)
    {
        var e = new StringWriter();
        var code = await Cli.RunAsync(["audit", "fleet", "--store", TestDatabase.ConnectionString, "--schema", schema], new CliContext(new StringWriter(), e));
        return (code, e.ToString());
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
