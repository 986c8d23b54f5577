using JasperFx;
using JasperFx.Events;
using Marten;
using Talos.Integration.Tests.Support;

namespace Talos.Integration.Tests.Fleet;

/// <summary>The chain works: Marten against the server from tests/run.sh, with optimistic concurrency on stream versions.</summary>
public sealed class AMartenStoreAgainstTheTestServerAppendsAndReadsBack : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(AMartenStoreAgainstTheTestServerAppendsAndReadsBack));
    private DocumentStore? _store;

    public sealed record ProbeEvent(long Seq, string Text);

    public async Task InitializeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        _store = DocumentStore.For(o =>
        {
            o.Connection(TestDatabase.ConnectionString);
            o.DatabaseSchemaName = _schema;
            o.AutoCreateSchemaObjects = AutoCreate.All;
            o.Events.StreamIdentity = StreamIdentity.AsString;
        });
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        _store?.Dispose();
        await TestDatabase.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Events_appended_with_an_expected_version_come_back_in_order()
    {
        await using (var s = _store!.LightweightSession())
        {
            s.Events.Append("node-1", 3, new ProbeEvent(1, "a"), new ProbeEvent(2, "b"), new ProbeEvent(3, "c"));
            await s.SaveChangesAsync();
        }
        await using var q = _store.QuerySession();
        var events = await q.Events.FetchStreamAsync("node-1");
        Assert.Equal(new long[] { 1, 2, 3 }, events.Select(e => e.Version).ToArray());
        Assert.Equal(new[] { "a", "b", "c" }, events.Select(e => ((ProbeEvent)e.Data).Text).ToArray());
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_and_nothing_is_added()
    {
        await using (var s = _store!.LightweightSession())
        {
            s.Events.Append("node-2", 2, new ProbeEvent(1, "a"), new ProbeEvent(2, "b"));
            await s.SaveChangesAsync();
        }
        await using (var s = _store.LightweightSession())
        {
            s.Events.Append("node-2", 2, new ProbeEvent(2, "again"));
            await Assert.ThrowsAsync<EventStreamUnexpectedMaxEventIdException>(() => s.SaveChangesAsync());
        }
        await using var q = _store.QuerySession();
        var state = await q.Events.FetchStreamStateAsync("node-2");
        Assert.Equal(2, state!.Version);
    }
}
