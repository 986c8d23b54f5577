using System.Text;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;
using Talos.Upgrade.Images;

namespace Talos.Integration.Tests.Fleet;

/// <summary>A real node runtime whose config names the fleet store: META is shipped to Marten and replays agree.</summary>
public sealed class ANodeMirrorsItsMetaLogToTheFleetStore : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(ANodeMirrorsItsMetaLogToTheFleetStore));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-mirror-node-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task After_install_and_upgrade_the_store_replays_to_the_same_NodeState_hash_as_META()
    {
        var store = new LocalLayoutStore(Path.Combine(_dir, "images"));
        var builder = new InstallerImageBuilder(store);
        await builder.BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        await builder.BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.1"), new InstallerConfig("v1.9.1", "amd64", "healthy"), 1 << 20, 2, default);
        using var disk = new MemoryBlockDevice(256L << 20);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, Images = store, Guids = new SeededGuidSource(3), HealthDeadline = TimeSpan.FromSeconds(5),
        });
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(Encoding.UTF8.GetBytes(Config(TestDatabase.ConnectionString, _schema)), Talos.Api.Events.ApplyMode.Auto, false, default);
        await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful, "install");
        node.Upgrade("ghcr.io/siderolabs/installer:v1.9.1", preserve: true, stage: false, force: false);
        await Until(() => node.Stage == NodeStage.Running && node.State.SlotB.Successful, "upgrade");
        await Until(() => node.MirrorStatus is { Lag: 0, Error: null } && (ulong)node.MirrorStatus.StoreVersion == node.State.LastSequence, "mirror caught up");

        using var fleet = FleetMirror.CreateStore(TestDatabase.ConnectionString, _schema);
        var fromStore = await StoreReplay.FoldAsync(fleet, node.NodeId!, default);
        using var log = MetaLog.OpenReadOnly(TalosLayout.OpenPartition(disk, "META"));
        Assert.Equal(NodeJournal.Fold(log).Hash, fromStore.Hash);
        Assert.Equal(node.State.Hash, fromStore.Hash);
        Assert.True(node.MirrorStatus!.StoreVersion > 0);
        using (var summaries = AuditStore.Create(TestDatabase.ConnectionString, _schema))
        await using (var q = summaries.QuerySession())
        {
            // Role and hostname travel in ConfigApplied (issue #10) and land in the fleet's NodeSummary.
            var summary = await q.LoadAsync<NodeSummary>(node.NodeId!);
            Assert.Equal(("controlplane", "node1"), (summary!.Role, summary.Hostname));
            Assert.Equal("v1.9.1", summary.Version);
        }
        await node.DisposeAsync();
    }

    internal static async Task Until(Func<bool> done, string what)
    {
        for (var i = 0; i < 600 && !done(); i++) await Task.Delay(50);
        Assert.True(done(), "timed out: " + what);
    }

    internal static string Config(string cs, string schema) => Talos.Tests.Shared.TestMachineConfig.Yaml(
        "ghcr.io/siderolabs/installer:v1.9.0", tries: null, trailer: $"\naudit:\n  connectionString: \"{cs}\"\n  schema: {schema}");
}
