using System.Diagnostics;
using Marten;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Xunit.Abstractions;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// The fleet questions at 1,000 node summaries (the read side of the 1,000 nodes × 1,000 events: queries
/// touch only the summaries, never the events). Asserts the answers; prints the timings (not asserted: the
/// machine is shared, see the benchmark for numbers).
/// </summary>
public sealed class FleetQueriesAtAThousandNodes(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(FleetQueriesAtAThousandNodes));
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

    [Fact]
    public async Task Every_question_returns_the_right_nodes()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var digests = Enumerable.Range(0, 5).Select(i => new string((char)('a' + i), 64)).ToArray();
        var state = Convert.ToBase64String(new byte[1500]);   // the size of a realistic folded snapshot
        var docs = Enumerable.Range(0, 1000).Select(i => new NodeSummary
        {
            Id = $"node-{i:d4}", BootedSlot = "A", ConfirmedSlot = "A", Version = $"v1.{i % 5}.0", ImageDigest = digests[i % 5],
            SlotADigest = digests[i % 5], SlotBDigest = digests[(i + 1) % 5], LastSequence = 1000,
            Rollbacks = i % 10 == 0 ? 1 : 0, LastRollbackAt = i % 10 == 0 ? t0.AddMinutes(i) : null, LastSeen = t0.AddMinutes(i), State = state,
        }).ToList();
        await _store.BulkInsertAsync(docs);
        var q = new FleetQueries(_store);

        async Task<T> Timed<T>(string name, Func<Task<T>> f)
        {
            await f();   // warm-up (query plan, connection)
            var sw = Stopwatch.StartNew();
            var r = await f();
            output.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds:F1} ms");
            return r;
        }

        Assert.Equal(200, (await Timed("by digest", () => q.ByImageDigestAsync(digests[2]))).Count);
        Assert.Equal(200, (await Timed("by version", () => q.ByVersionAsync("v1.3.0"))).Count);
        var rolled = await Timed("rolled back since", () => q.RolledBackSinceAsync(t0.AddMinutes(500)));
        Assert.Equal(Enumerable.Range(50, 50).Select(i => $"node-{i * 10:d4}"), rolled.Select(n => n.Id));
        Assert.Equal(100, (await Timed("lagging", () => q.LaggingAsync(t0.AddMinutes(100)))).Count);
        var inv = await Timed("inventory", () => q.ImageInventoryAsync());
        Assert.All(digests, d => Assert.Equal(400, inv[d].Count));
    }
}
