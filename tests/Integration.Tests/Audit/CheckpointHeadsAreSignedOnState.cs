using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Machined.Runtime;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;
using Talos.Partitions.State;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// Issue #10, "checkpoints signed with a node key kept on STATE", without any fleet store: every META checkpoint's
/// head is signed into STATE's <c>node-head</c>, <c>audit verify --disk</c> checks it, a rewritten chain fails, and a
/// crash between a checkpoint and its signature leaves a lagging head that never fails a valid log.
/// </summary>
public sealed class CheckpointHeadsAreSignedOnState : IDisposable
{
    private static readonly byte[] Seed = [.. Enumerable.Range(60, 32).Select(i => (byte)i)];
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-cp-head-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Signed(NodeDisk Node, NodeHeadKeeper Keeper, Func<bool> Crash);

    // A node disk whose META signs each checkpoint through a keeper on its own STATE; crash() makes the signature step fail.
    private static Signed Open(Func<bool>? crash = null)
    {
        var node = NodeDisk.InMemory();
        var state = StateStore.Open(TalosLayout.OpenPartition(node.Disk, "STATE"));
        var (signer, _) = NodeKey.LoadOrCreate(state, b => Seed.CopyTo(b));
        var keeper = new NodeHeadKeeper(state, signer, node.NodeId);
        crash ??= () => false;
        node.LogOptions = new MetaLogOptions
        {
            NodeId = node.NodeId,
            SnapshotFolder = NodeJournal.FoldSnapshot,
            CheckpointWritten = cp =>
            {
                if (crash()) throw new IOException("power lost before the head was signed");
                keeper.OnCheckpoint(cp);
            },
        };
        return new Signed(node, keeper, crash);
    }

    private async Task<(int Code, string Out)> Verify(NodeDisk node)
    {
        var path = Path.Combine(_dir, $"node-{Guid.NewGuid():N}.img");
        await File.WriteAllBytesAsync(path, ((MemoryBlockDevice)node.Disk).Bytes.ToArray());
        var o = new StringWriter();
        var code = await Cli.RunAsync(["audit", "verify", "--disk", path, "--node-key", Convert.ToHexStringLower(new HeadSigner(Seed).PublicKey)], new CliContext(o, new StringWriter()));
        return (code, o.ToString());
    }

    [Fact]
    public async Task Each_checkpoint_head_is_signed_on_state_and_audit_verify_checks_it()
    {
        var s = Open();
        using var node = s.Node;
        await node.HistoryAsync();
        Assert.Null(s.Keeper.Latest);   // no checkpoint yet, nothing signed
        await node.Log.CheckpointAsync();
        var cp = node.Log.Checkpoint;
        Assert.Equal(20ul, cp.CheckpointSequence);
        await node.AppendAsync("", e => e.ServiceStateChanged = new() { Service = "etcd", State = Talos.Api.Events.ServiceState.Running, Healthy = true });
        node.CloseLog();

        var (key, head) = NodeKey.ReadFromDisk(node.Disk);
        Assert.Equal(new HeadSigner(Seed).PublicKey, key);
        Assert.NotNull(head);
        Assert.Equal(20ul, head!.Sequence);
        Assert.Equal(cp.CheckpointHash, head.Hash);
        Assert.True(HeadSigner.Verify(key!, head));

        var (code, output) = await Verify(node);
        Assert.True(code == 0, output);
        Assert.Contains($"SIGNED HEAD 20 {Convert.ToHexStringLower(cp.CheckpointHash)} (STATE)", output);
        Assert.DoesNotContain("[head]", output);
    }

    [Fact]
    public async Task A_chain_rewritten_without_the_key_fails_against_the_checkpoint_head()
    {
        var s = Open();
        using var node = s.Node;
        await node.HistoryAsync(rollback: true);
        await node.Log.CheckpointAsync();
        node.CloseLog();
        Assert.Equal(0, (await Verify(node)).Code);

        // The attacker rebuilds an internally valid history for the same node id (the upgrade "succeeded") and puts
        // it in place of META. STATE keeps the node's signed head; the attacker has no key to re-sign it.
        using var forged = NodeDisk.InMemory();
        await forged.HistoryAsync(rollback: false);
        await forged.AppendAsync("", e => e.ServiceStateChanged = new() { Service = "etcd", State = Talos.Api.Events.ServiceState.Running, Healthy = true });
        forged.CloseLog();
        Assert.True(DiskAudit.Run(forged.Disk).IsClean);
        var meta = TalosLayout.OpenPartition(forged.Disk, "META");
        var bytes = new byte[meta.Length];
        meta.Read(0, bytes);
        TalosLayout.OpenPartition(node.Disk, "META").Write(0, bytes);

        var (code, output) = await Verify(node);
        Assert.Equal(1, code);
        Assert.Contains("[rewritten] at 20", output);
    }

    [Fact]
    public async Task A_crash_between_checkpoint_and_signature_lags_but_never_fails_a_valid_log()
    {
        var crash = false;
        var s = Open(() => crash);
        using var node = s.Node;
        await node.HistoryAsync();
        await node.Log.CheckpointAsync();
        Assert.Equal(20ul, s.Keeper.Latest!.Sequence);

        // Everything is acknowledged (as a mirror would), so the next checkpoint compacts the signed record away;
        // the node "crashes" after that checkpoint is durable and before its head is signed.
        await node.AppendAsync("", e => e.ServiceStateChanged = new() { Service = "etcd", State = Talos.Api.Events.ServiceState.Running, Healthy = true });
        node.Log.AcknowledgeMirrored(node.Log.LastSequence);
        crash = true;
        await node.Log.CheckpointAsync();
        Assert.Equal(21ul, node.Log.Checkpoint.CheckpointSequence);
        Assert.Equal(20ul, s.Keeper.Latest!.Sequence);
        node.CloseLog();

        var (code, output) = await Verify(node);
        Assert.True(code == 0, output);
        Assert.Contains("SIGNED HEAD 20", output);
        Assert.Contains("warning [head] at 20", output);   // the lagging head cannot be compared: said, not failed

        // The next checkpoint signs again; its head is checked against the checkpoint's hash though no record is left.
        crash = false;
        await node.Log.CheckpointAsync();
        node.CloseLog();
        Assert.Empty(node.Log.ReadFrom(node.Log.FirstSequence));
        Assert.Equal(21ul, s.Keeper.Latest!.Sequence);
        node.CloseLog();
        (code, output) = await Verify(node);
        Assert.True(code == 0, output);
        Assert.Contains("SIGNED HEAD 21", output);
        Assert.DoesNotContain("[head]", output);
    }

    [Fact]
    public void The_keeper_only_moves_forward_and_ignores_heads_of_another_log()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        var state = StateStore.Open(dev);
        var signer = new HeadSigner(Seed);
        var id = Guid.Parse("6f1c1d1e-0000-4000-8000-00000000a001");
        var keeper = new NodeHeadKeeper(state, signer, id);
        Assert.True(keeper.Keep(signer.Sign(id, 10, new byte[32])));
        Assert.False(keeper.Keep(signer.Sign(id, 9, new byte[32])));
        Assert.False(keeper.Keep(signer.Sign(id, 10, new byte[32])));
        Assert.Equal(10ul, SignedHead.Decode(state.Get(NodeKey.HeadDocumentName)).Sequence);
        Assert.Throws<ArgumentException>(() => keeper.Keep(signer.Sign(Guid.Empty, 11, new byte[32])));
        // A fresh keeper (reboot) starts from the head on STATE; one for another log id starts from nothing.
        Assert.Equal(10ul, new NodeHeadKeeper(StateStore.Open(dev), signer, id).Latest!.Sequence);
        Assert.Null(new NodeHeadKeeper(StateStore.Open(dev), signer, Guid.Empty).Latest);
    }
}
