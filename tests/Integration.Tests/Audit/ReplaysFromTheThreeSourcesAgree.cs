using Talos.Integration.Tests.Support;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// Issue #10, invariant 6: a real node behind its real API (mutual TLS), mirroring to the real store; talosctl audit
/// replay from the node (Events with audit_records), from the fleet store and from a captured copy of its disk prints
/// the same timeline, final state hash and head, and audit diff finds no difference between the sources.
/// </summary>
public sealed class ReplaysFromTheThreeSourcesAgree : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(ReplaysFromTheThreeSourcesAgree));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-three-sources-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Node_fleet_and_disk_replays_print_the_same_history()
    {
        await using var live = await LiveNode.StartAsync(_dir, "127.0.105.11", _schema, 11);
        var node = live.Node;
        string fromNode = "";
        var copy = Path.Combine(_dir, "captured.img");
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await Until(() => node.MirrorStatus is { Lag: 0, Error: null } && (ulong)node.MirrorStatus.StoreVersion == node.State.LastSequence, "mirror caught up");
            var before = node.State.LastSequence;
            var r = await live.Talosctl("audit", "replay", "--from", "node");
            Assert.True(r.Code == 0, r.Out + r.Err);
            live.Capture(copy);
            fromNode = r.Out;
            if (node.State.LastSequence == before && (ulong)node.MirrorStatus!.StoreVersion == before) break;   // quiescent: all three hold the same records
        }
        var nodeId = node.NodeId!;
        var fromFleet = await live.Talosctl("audit", "replay", "--from", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", nodeId);
        var fromDisk = await live.Talosctl("audit", "replay", "--from", "disk:" + copy);
        Assert.True(fromFleet.Code == 0 && fromDisk.Code == 0, fromFleet.Err + fromDisk.Err);

        Assert.Matches(@"SIGNED HEAD \d+ [0-9a-f]{64}", fromNode);
        Assert.Contains("PROBLEMS none", fromNode);
        Assert.Contains("Install", fromNode, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Body(fromDisk.Out), Body(fromNode));
        Assert.Equal(Body(fromFleet.Out), Body(fromNode));

        var diff = await live.Talosctl("audit", "diff", "--a", "node", "--b", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", nodeId);
        Assert.True(diff.Code == 0, diff.Out + diff.Err);
        Assert.Contains("SAME", diff.Out);
    }

    /// <summary>From the first TIMELINE line through HEAD: what must be identical whatever the source.</summary>
    private static string Body(string output)
    {
        var lines = output.Split('\n');
        var from = Array.FindIndex(lines, l => l.StartsWith("TIMELINE", StringComparison.Ordinal));
        var to = Array.FindIndex(lines, l => l.StartsWith("HEAD ", StringComparison.Ordinal));
        Assert.True(from > 0 && to > from, output);
        return string.Join('\n', lines[from..(to + 1)]);
    }
}
