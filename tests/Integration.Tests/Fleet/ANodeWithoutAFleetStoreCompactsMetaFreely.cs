using System.Text;
using Talos.Api.Events;
using Talos.Core.Config;
using Talos.Core.Events;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Meta;
using Talos.Upgrade.Images;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Fleet;

/// <summary>
/// Issue #10: META compaction keeps records the fleet store has not acknowledged. A node whose config names no fleet
/// store has nobody to acknowledge them, so it must compact freely (no forced drop) instead of filling META up; once a
/// config names a store the guard applies again.
/// </summary>
public sealed class ANodeWithoutAFleetStoreCompactsMetaFreely : IDisposable
{
    private static readonly byte[] Seed = [.. Enumerable.Range(40, 32).Select(i => (byte)i)];
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-node-compact-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task It_appends_past_meta_capacity_without_a_forced_drop_and_the_guard_returns_with_a_store()
    {
        var images = new LocalLayoutStore(Path.Combine(_dir, "images"));
        await new InstallerImageBuilder(images).BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        var withStore = Config("Host=127.0.105.1;Port=9;Timeout=1", "unused");
        var config = withStore[..withStore.IndexOf("audit:", StringComparison.Ordinal)];   // no fleet store
        using var disk = FileBlockDevice.Create(Path.Combine(_dir, "node.img"), 256L << 20);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, Images = images, Guids = new SeededGuidSource(11), HealthDeadline = TimeSpan.FromSeconds(5), KeyEntropy = b => Seed.CopyTo(b),
        });
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(Encoding.UTF8.GetBytes(config), ApplyMode.Auto, false, default);
        await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful, "install");
        var meta = node.Meta!;
        Assert.False(meta.AwaitsMirror);
        Assert.Equal(0UL, meta.MirroredSequence);   // nothing was ever acknowledged
        var generation = meta.Checkpoint.Generation;

        // Three regions' worth of events: without compaction the log would be full after one.
        var appended = await AppendAsync(node, 3 * meta.RegionLength);
        Assert.True(meta.Checkpoint.Generation >= generation + 3, $"checkpoints: {generation} -> {meta.Checkpoint.Generation}");
        Assert.True(meta.FirstSequence > meta.LastSequence - (ulong)appended, $"old records kept: first {meta.FirstSequence}, last {meta.LastSequence}");
        Assert.Equal((0UL, 0UL), (meta.Checkpoint.DroppedFrom, meta.Checkpoint.DroppedTo));   // no forced drop
        Assert.Equal(0UL, meta.Checkpoint.MirroredSequence);   // the header does not claim an acknowledgement
        Assert.DoesNotContain(node.Journal.ReadAll(), e => e.PayloadCase == NodeEvent.PayloadOneofCase.RecordsDropped);
        Assert.Equal(meta.LastSequence, node.State.LastSequence);   // the fold went on across the checkpoints

        // A config that names a store brings the guard back: unacknowledged records are kept until META is full.
        node.ActivateConfig(MachineConfig.Parse(withStore), Encoding.UTF8.GetBytes(withStore));
        Assert.True(meta.AwaitsMirror);
        var full = await Assert.ThrowsAsync<MetaLogFullException>(() => AppendAsync(node, 3 * meta.RegionLength));
        Assert.Equal(0UL, full.MirroredSequence);
        Assert.Equal((0UL, 0UL), (meta.Checkpoint.DroppedFrom, meta.Checkpoint.DroppedTo));
        await node.DisposeAsync();
    }

    // Health check results with a 2 KiB detail, 64 per append, until `bytes` are written; returns the events appended.
    private static async Task<int> AppendAsync(NodeRuntime node, long bytes)
    {
        var detail = new string('x', 2048);
        var n = 0;
        for (long written = 0; written < bytes; written += 64 * 2100)
        {
            var batch = Enumerable.Range(0, 64).Select(i => NodeEvents.Create(0, TimeProvider.System, "test", "",
                e => e.HealthCheckResult = new HealthCheckResult { Check = "probe", Passed = true, Detail = detail, Slot = Slot.A })).ToList();
            await node.Journal.AppendAsync(batch, default);
            n += batch.Count;
        }
        return n;
    }
}
