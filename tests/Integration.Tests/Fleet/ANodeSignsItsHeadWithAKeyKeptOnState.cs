using System.Text;
using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Machined.Runtime;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Layout;
using Talos.Partitions.State;
using Talos.Upgrade.Images;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Fleet;

/// <summary>
/// Issue #10, node side of tamper evidence: the node creates its Ed25519 key on the first boot from the injected
/// entropy and keeps it on STATE, registers it at first contact, signs the head the mirror shipped (in the store and
/// on STATE), refuses to ship under another key, and talosctl audit verify checks those signatures.
/// </summary>
public sealed class ANodeSignsItsHeadWithAKeyKeptOnState : IAsyncLifetime
{
    private static readonly byte[] Seed = [.. Enumerable.Range(40, 32).Select(i => (byte)i)];
    private readonly string _schema = TestDatabase.SchemaFor(typeof(ANodeSignsItsHeadWithAKeyKeptOnState));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-node-key-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_key_is_registered_the_head_is_signed_and_a_new_key_is_refused()
    {
        var images = new LocalLayoutStore(Path.Combine(_dir, "images"));
        await new InstallerImageBuilder(images).BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        var path = Path.Combine(_dir, "node.img");
        var expectedKey = new HeadSigner(Seed).PublicKey;
        string nodeId;
        using (var disk = FileBlockDevice.Create(path, 256L << 20))
        {
            var node = NewNode(disk, images, Seed);
            await node.PowerOnAsync();
            await node.ApplyConfigurationAsync(Encoding.UTF8.GetBytes(Config(TestDatabase.ConnectionString, _schema)), Talos.Api.Events.ApplyMode.Auto, false, default);
            await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful, "install");
            nodeId = node.NodeId!;
            using var fleet = FleetMirror.CreateStore(TestDatabase.ConnectionString, _schema);
            await Until(() => node.MirrorStatus is { Lag: 0, Error: null, StoreVersion: > 0 } && HeadAt(fleet, nodeId) == node.MirrorStatus.StoreVersion, "signed head recorded");

            await using (var q = fleet.QuerySession())
            {
                var (key, head) = (await FleetHeads.LoadAsync(q, nodeId))!.Value;
                Assert.Equal(expectedKey, key);
                Assert.True(HeadSigner.Verify(key, head!));
                Assert.Equal(Guid.Parse(nodeId), head!.NodeId);
            }
            await node.DisposeAsync();
            var (stateKey, stateHead) = NodeKey.ReadFromDisk(disk);
            Assert.Equal(expectedKey, stateKey);
            Assert.NotNull(stateHead);
        }

        var ok = await Talosctl("audit", "verify", "--disk", path, "--store", TestDatabase.ConnectionString, "--schema", _schema);
        Assert.True(ok.Code == 0, ok.Out + ok.Err);
        Assert.Matches(@"SIGNED HEAD \d+ [0-9a-f]{64} \(STATE\)", ok.Out);

        // Re-key the node (as a wiped STATE would): the store keeps the first key and the node ships nothing.
        var other = new byte[32];
        other[0] = 7;
        using (var disk = FileBlockDevice.Open(path))
        {
            var state = StateStore.Open(TalosLayout.OpenPartition(disk, "STATE"));
            state.Put(NodeKey.DocumentName, NodeKey.Encode(other));
            disk.Flush();
        }
        var rekeyed = await Talosctl("audit", "verify", "--disk", path, "--store", TestDatabase.ConnectionString, "--schema", _schema);
        Assert.Equal(1, rekeyed.Code);
        Assert.Contains("[key]", rekeyed.Out);

        using (var disk = FileBlockDevice.Open(path))
        {
            var node = NewNode(disk, images, other);
            await node.PowerOnAsync();
            // The log records the node's key (issue #22): a STATE holding another one is a replaced identity, so the
            // node neither signs nor ships anything.
            await Until(() => node.IdentityProblem?.Contains("STATE was replaced", StringComparison.Ordinal) == true, "re-keyed node refused");
            Assert.Null(node.MirrorStatus);
            await node.DisposeAsync();
        }
        using var store = FleetMirror.CreateStore(TestDatabase.ConnectionString, _schema);
        await using var s = store.QuerySession();
        Assert.Equal(expectedKey, (await FleetHeads.LoadAsync(s, nodeId))!.Value.Key);
    }

    private static NodeRuntime NewNode(IBlockDevice disk, LocalLayoutStore images, byte[] seed) => new(new NodeRuntimeOptions
    {
        Disk = disk, Images = images, Guids = new SeededGuidSource(5), HealthDeadline = TimeSpan.FromSeconds(5), KeyEntropy = b => seed.CopyTo(b),
    });

    private static long HeadAt(Marten.IDocumentStore store, string nodeId)
    {
        using var q = store.QuerySession();
        return q.LoadAsync<NodeHead>(nodeId).GetAwaiter().GetResult()?.Sequence ?? -1;
    }

    private static async Task<(int Code, string Out, string Err)> Talosctl(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Cli.RunAsync(args, new CliContext(o, e));
        return (code, o.ToString(), e.ToString());
    }
}
