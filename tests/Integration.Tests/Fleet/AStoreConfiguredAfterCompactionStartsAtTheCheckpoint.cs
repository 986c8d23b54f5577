using System.Text;
using Marten;
using Talos.Core.Config;
using Talos.Integration.Tests.Support;
using Talos.Machined.Mirror;
using Talos.Machined.Runtime;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Upgrade.Images;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Fleet;

/// <summary>
/// Issue #10: a node that compacted META while no fleet store was configured cannot ship its history from sequence 1.
/// When a store is configured later the mirror starts the stream at the checkpoint: the records after it with stream
/// versions = META sequences, the checkpoint's snapshot as the node's <see cref="StreamCheckpoint"/>, and replays from
/// the store reach META's state with a notice that the history before the checkpoint is missing.
/// </summary>
public sealed class AStoreConfiguredAfterCompactionStartsAtTheCheckpoint : IAsyncLifetime
{
    private static readonly byte[] Seed = [.. Enumerable.Range(60, 32).Select(i => (byte)i)];
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-node-late-store-").FullName;
    private readonly string _schema = TestDatabase.SchemaFor(typeof(AStoreConfiguredAfterCompactionStartsAtTheCheckpoint));

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_stream_starts_after_the_checkpoint_and_replays_to_meta_s_state()
    {
        var images = new LocalLayoutStore(Path.Combine(_dir, "images"));
        await new InstallerImageBuilder(images).BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        var withStore = Config(TestDatabase.ConnectionString, _schema);
        var config = withStore[..withStore.IndexOf("audit:", StringComparison.Ordinal)];   // no fleet store
        using var disk = FileBlockDevice.Create(Path.Combine(_dir, "node.img"), 256L << 20);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, Images = images, Guids = new SeededGuidSource(12), HealthDeadline = TimeSpan.FromSeconds(5), KeyEntropy = b => Seed.CopyTo(b),
        });
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(Encoding.UTF8.GetBytes(config), Talos.Api.Events.ApplyMode.Auto, false, default);
        await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful, "install");
        var meta = node.Meta!;
        await AppendAsync(node, 2 * meta.RegionLength);   // compacts: the beginning of the log is gone
        var checkpoint = meta.Checkpoint.CheckpointSequence;
        Assert.True(meta.FirstSequence > 1 && checkpoint >= meta.FirstSequence - 1, $"first {meta.FirstSequence}, checkpoint {checkpoint}");

        node.ActivateConfig(MachineConfig.Parse(withStore), Encoding.UTF8.GetBytes(withStore));
        await Until(() => node.MirrorStatus is { Lag: 0, Error: null } && (ulong)node.MirrorStatus.StoreVersion == meta.LastSequence, "mirror caught up");

        using var store = AuditStore.Create(TestDatabase.ConnectionString, _schema);
        await using (var q = store.QuerySession())
        {
            var events = await q.Events.FetchStreamAsync(node.NodeId!);
            Assert.Equal((long)checkpoint + 1, events[0].Version);   // stream versions are META sequences
            Assert.Equal(((MirroredEvent)events[0].Data).Sequence, events[0].Version);
            var cp = (await q.LoadAsync<StreamCheckpoint>(node.NodeId!))!;
            Assert.Equal((long)checkpoint, cp.CheckpointSequence);
            Assert.Equal(((MirroredEvent)events[0].Data).PreviousHash, cp.CheckpointHash);
            var summary = (await q.LoadAsync<NodeSummary>(node.NodeId!))!;
            Assert.Equal(0, summary.ChainBreaks);   // the read models folded on from the checkpoint
            Assert.Equal(node.State.Hash, summary.StateHash);
        }
        Assert.Equal(node.State.Hash, (await StoreReplay.FoldAsync(store, node.NodeId!, default)).Hash);
        var replay = await new FleetQueries(store).ReplayAsync(node.NodeId!);
        Assert.True(replay.IsClean, string.Join("; ", replay.Problems.Select(p => p.Detail)));
        Assert.Equal(node.State.Hash, replay.FinalState.Hash);
        var notice = Assert.Single(replay.Problems, p => p.Kind == "compacted");
        Assert.Equal(AuditSeverity.Warning, notice.Severity);
        var expected = $"history before {checkpoint + 1} was compacted on the node before the store received it (checkpoint at {checkpoint}, state hash ";
        Assert.StartsWith(expected, notice.Detail);
        var (state, id) = (node.State.Hash, node.NodeId!);
        await node.DisposeAsync();

        // talosctl reads the store without machined: replay starts from the snapshot, verify passes with the notice.
        var copy = Path.Combine(_dir, "captured.img");
        Capture(disk, copy);
        var replayed = await Talosctl("audit", "replay", "--from", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", id);
        Assert.True(replayed.Code == 0, replayed.Out + replayed.Err);
        Assert.Contains(state, replayed.Out);
        Assert.Contains(expected, replayed.Out);
        var verified = await Talosctl("audit", "verify", "--disk", copy, "--store", TestDatabase.ConnectionString, "--schema", _schema);
        Assert.True(verified.Code == 0, verified.Out + verified.Err);
        Assert.Contains("fleet store: " + expected, verified.Out);
        Assert.EndsWith("OK\n", verified.Out);
    }

    private static async Task<(int Code, string Out, string Err)> Talosctl(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Talos.Ctl.Cli.RunAsync(args, new Talos.Ctl.Commands.CliContext(o, e));
        return (code, o.ToString().Replace("\r\n", "\n"), e.ToString().Replace("\r\n", "\n"));
    }

    private static void Capture(IBlockDevice disk, string to)
    {
        using var f = File.Create(to);
        var buf = new byte[4 << 20];
        for (long at = 0; at < disk.Length; at += buf.Length)
        {
            var n = (int)Math.Min(buf.Length, disk.Length - at);
            disk.Read(at, buf.AsSpan(0, n));
            f.Write(buf, 0, n);
        }
    }

    private static async Task AppendAsync(NodeRuntime node, long bytes)
    {
        var detail = new string('y', 2048);
        for (long written = 0; written < bytes; written += 64 * 2100)
        {
            var batch = Enumerable.Range(0, 64).Select(i => Talos.Core.Events.NodeEvents.Create(0, TimeProvider.System, "test", "",
                e => e.HealthCheckResult = new Talos.Api.Events.HealthCheckResult { Check = "probe", Passed = true, Detail = detail, Slot = Talos.Api.Events.Slot.A })).ToList();
            await node.Journal.AppendAsync(batch, default);
        }
    }
}
