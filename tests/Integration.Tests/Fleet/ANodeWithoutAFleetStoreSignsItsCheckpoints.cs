using System.Text;
using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Machined.Runtime;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Upgrade.Images;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Fleet;

/// <summary>
/// Issue #10: a running node whose config names no fleet store still signs its history: each META checkpoint's head
/// is signed with the node key and kept on STATE, and <c>talosctl audit verify --disk</c> checks it offline.
/// </summary>
public sealed class ANodeWithoutAFleetStoreSignsItsCheckpoints : IDisposable
{
    private static readonly byte[] Seed = [.. Enumerable.Range(90, 32).Select(i => (byte)i)];
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-node-cp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_checkpoint_head_is_signed_on_state_and_verifies_offline()
    {
        var images = new LocalLayoutStore(Path.Combine(_dir, "images"));
        await new InstallerImageBuilder(images).BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        var path = Path.Combine(_dir, "node.img");
        var config = Config("unused", "unused");
        config = config[..config.IndexOf("audit:", StringComparison.Ordinal)];   // no fleet store
        ulong signedAt;
        byte[] signedHash;
        using (var disk = FileBlockDevice.Create(path, 256L << 20))
        {
            var node = new NodeRuntime(new NodeRuntimeOptions
            {
                Disk = disk, Images = images, Guids = new SeededGuidSource(9), HealthDeadline = TimeSpan.FromSeconds(5), KeyEntropy = b => Seed.CopyTo(b),
            });
            await node.PowerOnAsync();
            await node.ApplyConfigurationAsync(Encoding.UTF8.GetBytes(config), Talos.Api.Events.ApplyMode.Auto, false, default);
            await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful && node.NodeSigner is not null, "install");
            Assert.Null(node.MirrorStatus);   // nothing is mirrored
            // Issue #22: the boot that reached Running signed its head already (no history goes unsigned until a checkpoint).
            Assert.Equal(node.Meta!.LastSequence, SignedHead.Decode(node.StateStore.Get(NodeKey.HeadDocumentName)).Sequence);

            await node.Meta!.CheckpointAsync();
            var cp = node.Meta.Checkpoint;
            (signedAt, signedHash) = (cp.CheckpointSequence, cp.CheckpointHash);
            Assert.True(signedAt > 0);
            var head = SignedHead.Decode(node.StateStore.Get(NodeKey.HeadDocumentName));
            Assert.Equal(signedAt, head.Sequence);
            Assert.Equal(signedHash, head.Hash);
            Assert.Equal(node.Meta.NodeId, head.NodeId);
            Assert.True(HeadSigner.Verify(new HeadSigner(Seed).PublicKey, head));
            await node.DisposeAsync();
        }

        var o = new StringWriter();
        var code = await Cli.RunAsync(["audit", "verify", "--disk", path, "--node-key", Convert.ToHexStringLower(new HeadSigner(Seed).PublicKey)], new CliContext(o, new StringWriter()));
        Assert.True(code == 0, o.ToString());
        Assert.Contains($"SIGNED HEAD {signedAt} {Convert.ToHexStringLower(signedHash)} (STATE)", o.ToString());
    }
}
