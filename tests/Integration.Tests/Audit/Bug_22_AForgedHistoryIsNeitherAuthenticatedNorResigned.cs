using Talos.Api.Events;
using Talos.Core.Pki;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.State;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// Issue #22 item 3, "forgery that verifies": on a copy of a real node's disk, a flipped kernel byte with recomputed
/// slot digests, rewritten recorded digests and a re-chained, re-signed META must not verify against a key the disk
/// cannot supply (pinned, or the fleet's registration); without such a key the verdict is NOT AUTHENTICATED; a deleted
/// node-head is detected; and the node itself never signs a history that does not extend its last signed head.
/// </summary>
public sealed class Bug_22_AForgedHistoryIsNeitherAuthenticatedNorResigned : IAsyncLifetime
{
    private static readonly byte[] ForgerSeed = [.. Enumerable.Range(90, 32).Select(i => (byte)i)];
    private readonly string _schema = TestDatabase.SchemaFor(typeof(Bug_22_AForgedHistoryIsNeitherAuthenticatedNorResigned));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-forgery-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    // A real node, installed, its head recorded in the fleet store; returns the captured image and the node's public key.
    private async Task<(string Image, string Key, LiveNode Live)> RealNodeAsync(string address, ulong seed)
    {
        var live = await LiveNode.StartAsync(_dir, address, _schema, seed);
        using var fleet = FleetMirror.CreateStore(TestDatabase.ConnectionString, _schema);
        var id = live.Node.NodeId!;
        await Until(() => live.Node.MirrorStatus is { Lag: 0, Error: null, StoreVersion: > 0 } && Head(fleet, id) > 0, "signed head in the fleet store");
        var image = Path.Combine(_dir, "captured.img");
        live.Capture(image);
        return (image, Convert.ToHexStringLower(live.Node.NodeSigner!.PublicKey), live);
    }

    private static long Head(Marten.IDocumentStore fleet, string id)
    {
        using var q = fleet.QuerySession();
        return q.LoadAsync<NodeHead>(id).GetAwaiter().GetResult()?.Sequence ?? 0;
    }

    private string Copy(string image, string name)
    {
        var path = Path.Combine(_dir, name);
        File.Copy(image, path);
        return path;
    }

    [Fact]
    public async Task The_forgery_kit_fails_with_a_pinned_or_fleet_key_and_is_not_authenticated_without_one()
    {
        var (image, key, live) = await RealNodeAsync("127.0.122.2", 31);
        await using var _ = live;
        var keyFile = Path.Combine(_dir, "node.pub");
        await File.WriteAllTextAsync(keyFile, key + "\n");

        var clean = await live.Talosctl("audit", "verify", "--disk", image, "--node-key", keyFile);
        Assert.True(clean.Code == 0, clean.Out + clean.Err);
        Assert.Contains($"TRUSTED KEY {key} (pinned by --node-key)", clean.Out);
        Assert.EndsWith("OK\n", clean.Out);

        var forged = Copy(image, "forged.img");
        using (var disk = FileBlockDevice.Open(forged))
        {
            var (old, now) = ForgeryKit.FlipKernelByte(disk, "BOOT-A");
            await ForgeryKit.RewriteMetaAsync(disk, old, now);
            // The key on STATE is sealed with the machine's secret: the disk alone cannot re-sign with it...
            var doc = StateStore.Open(TalosLayout.OpenPartition(disk, "STATE")).Get(NodeKey.DocumentName)!;
            Assert.Contains("sealed", Assert.Throws<FormatException>(() => NodeKey.Decode(doc)).Message, StringComparison.Ordinal);
            // ...so the forger signs with his own key and puts it in its place: a self-consistent disk.
            ForgeryKit.Resign(disk, ForgerSeed, ownKey: true);
            disk.Flush();
        }

        var unpinned = await live.Talosctl("audit", "verify", "--disk", forged);
        Assert.Equal(1, unpinned.Code);
        Assert.Contains("TRUSTED KEY none", unpinned.Out);
        Assert.Contains("[unauthenticated]", unpinned.Out);
        Assert.EndsWith("NOT AUTHENTICATED\n", unpinned.Out);

        var pinned = await live.Talosctl("audit", "verify", "--disk", forged, "--node-key", key);
        Assert.Equal(1, pinned.Code);
        Assert.Contains("ERROR [key]", pinned.Out);
        Assert.Contains("ERROR [signature]", pinned.Out);
        Assert.EndsWith("FAILED\n", pinned.Out);

        var fleet = await live.Talosctl("audit", "verify", "--disk", forged, "--store", TestDatabase.ConnectionString, "--schema", _schema);
        Assert.Equal(1, fleet.Code);
        Assert.Contains($"TRUSTED KEY {key} (registered in the fleet store)", fleet.Out);
        Assert.Contains("fleet head: ", fleet.Out);
        Assert.EndsWith("FAILED\n", fleet.Out);

        var forensicsUnpinned = await live.Talosctl("forensics", "verify", "--disk", forged);
        Assert.Equal(1, forensicsUnpinned.Code);
        Assert.EndsWith("NOT AUTHENTICATED\n", forensicsUnpinned.Out);
        var forensicsPinned = await live.Talosctl("forensics", "verify", "--disk", forged, "--node-key", key);
        Assert.Equal(1, forensicsPinned.Code);
        Assert.Contains("cannot be trusted", forensicsPinned.Out);
        Assert.EndsWith("MISMATCH\n", forensicsPinned.Out);
    }

    [Fact]
    public async Task A_deleted_node_head_is_detected_offline_and_by_the_node_itself()
    {
        var (image, key, live) = await RealNodeAsync("127.0.122.3", 32);
        await live.DisposeAsync();
        var headless = Copy(image, "headless.img");
        using (var disk = FileBlockDevice.Open(headless))
        {
            Assert.True(StateStore.Open(TalosLayout.OpenPartition(disk, "STATE")).Delete(NodeKey.HeadDocumentName));
            disk.Flush();
        }
        var pinned = await live.Talosctl("audit", "verify", "--disk", headless, "--node-key", key);
        Assert.Equal(1, pinned.Code);
        Assert.Contains("ERROR [unsigned]", pinned.Out);
        var fleet = await live.Talosctl("audit", "verify", "--disk", headless, "--store", TestDatabase.ConnectionString, "--schema", _schema);
        Assert.Equal(1, fleet.Code);
        Assert.Contains("ERROR [unsigned]", fleet.Out);

        await using var again = await LiveNode.ReopenAsync(Path.Combine(_dir, "again"), "127.0.122.4", headless, 32, CertificateAuthority.Create(PkiContext.Seeded(5, TimeProvider.System)));
        await Until(() => again.Node.IdentityProblem is not null, "the node reports its missing head");
        Assert.Contains("holds no signed head", again.Node.IdentityProblem);
        Assert.Contains(again.Node.Journal.ReadAll(), e => e.ForensicDigestMismatch is { Area: "META" } f && f.Detail.Contains("holds no signed head", StringComparison.Ordinal));
        await again.Node.Meta!.CheckpointAsync();
        Assert.Null(NodeKey.ReadPublic(again.Node.StateStore).Head);   // nothing was signed over the unverifiable history
    }

    [Fact]
    public async Task A_rewritten_history_is_not_resigned_by_the_node_at_its_next_head()
    {
        var (image, _, live) = await RealNodeAsync("127.0.122.5", 33);
        await live.DisposeAsync();
        var forged = Copy(image, "rewritten.img");
        byte[] headBefore;
        using (var disk = FileBlockDevice.Open(forged))
        {
            var (old, now) = ForgeryKit.FlipKernelByte(disk, "BOOT-A");
            await ForgeryKit.RewriteMetaAsync(disk, old, now);
            headBefore = StateStore.Open(TalosLayout.OpenPartition(disk, "STATE")).Get(NodeKey.HeadDocumentName)!;
            disk.Flush();
        }

        await using var node = await LiveNode.ReopenAsync(Path.Combine(_dir, "again"), "127.0.122.6", forged, 33, CertificateAuthority.Create(PkiContext.Seeded(6, TimeProvider.System)));
        await Until(() => node.Node.IdentityProblem is not null, "the node reports the rewritten history");
        Assert.Contains("was rewritten", node.Node.IdentityProblem);
        Assert.Contains(node.Node.Journal.ReadAll(), e => e.ForensicDigestMismatch is { Area: "META" } f && f.Detail.Contains("was rewritten", StringComparison.Ordinal));
        await node.Node.Meta!.CheckpointAsync();   // the next head: today's main signed the rewritten log here
        Assert.Equal(headBefore, node.Node.StateStore.Get(NodeKey.HeadDocumentName));
    }
}
