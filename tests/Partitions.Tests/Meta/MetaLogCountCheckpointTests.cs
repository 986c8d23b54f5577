using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// The record-count checkpoint (<see cref="MetaLogOptions.CheckpointEveryRecords"/>), the records a checkpoint retains
/// (<see cref="MetaLogOptions.RetainFrom"/>), and loading a short log by its used prefix (issue #11).
/// </summary>
public class MetaLogCountCheckpointTests
{
    private static MetaLogOptions Every(int n, Func<byte[], ulong>? retain = null) => new()
    {
        NodeId = Node,
        SnapshotFolder = Fold,
        CheckpointEveryRecords = n,
        RetainFrom = retain,
    };

    [Fact]
    public async Task The_region_holds_at_most_the_record_count_and_the_fold_is_the_full_history()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        var written = new List<LogEntry>();
        using (var log = Open(dev, Every(32)))
        {
            log.AwaitsMirror = false;
            for (var i = 0; i < 200; i++)
            {
                written.Add(Entry(i, 40));
                await log.AppendAsync([written[^1]]);
                Assert.True(log.LastSequence - log.FirstSequence + 1 <= 32, $"{log.LastSequence - log.FirstSequence + 1} records in the region");
            }
            Assert.True(log.Generation > 5, $"generation {log.Generation}: the count trigger did not checkpoint");
            // Far below the 75 % byte threshold: only the count can have triggered them.
            Assert.True(log.RegionBytesUsed < log.RegionLength / 4);
        }
        using var again = Open(dev, Every(32));
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
        var cp = again.Checkpoint;
        var later = again.ReadFrom(again.FirstSequence).Where(r => r.Sequence > cp.CheckpointSequence).ToList();
        Assert.Equal(FoldEntries(written), Fold(cp.Snapshot, later));
        // A count checkpoint keeps the newest half of the records (recent history stays readable).
        Assert.True(again.LastSequence - again.FirstSequence + 1 >= 16);
    }

    [Fact]
    public async Task Without_the_option_only_the_byte_threshold_checkpoints()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        using var log = Open(dev, Every(0));
        log.AwaitsMirror = false;
        for (var i = 0; i < 200; i++) await log.AppendAsync([Entry(i, 40)]);
        Assert.Equal(1ul, log.Generation);
    }

    [Fact]
    public async Task Records_awaited_by_the_mirror_hold_the_count_trigger_back()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        using var log = Open(dev, Every(32));
        for (var i = 0; i < 100; i++) await log.AppendAsync([Entry(i, 40)]);   // AwaitsMirror (default): none acknowledged
        Assert.Equal(1ul, log.Generation);
        log.AcknowledgeMirrored(log.LastSequence);
        await log.AppendAsync([Entry(100, 40)]);
        Assert.Equal(2ul, log.Generation);
    }

    [Fact]
    public async Task A_checkpoint_keeps_the_records_from_the_retained_sequence_on()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        ulong retain = 0;
        using var log = Open(dev, Every(32, _ => retain));
        log.AwaitsMirror = false;
        for (var i = 0; i < 20; i++) await log.AppendAsync([Entry(i, 40)]);
        retain = 5;   // e.g. a sequence that started at record 5 and is still running
        for (var i = 20; i < 120; i++) await log.AppendAsync([Entry(i, 40)]);
        // The count trigger would drop only records 1..4 (fewer than half its count): it writes nothing.
        Assert.Equal(1ul, log.Generation);
        Assert.Equal(1ul, log.FirstSequence);
        await log.CheckpointAsync();
        Assert.Equal(2ul, log.Generation);
        Assert.Equal(5ul, log.FirstSequence);   // an explicit (or byte-threshold) checkpoint retains them too
        retain = 0;
        await log.CheckpointAsync();
        Assert.Equal(log.LastSequence + 1, log.FirstSequence);
    }

    [Fact]
    public async Task A_short_log_reads_the_same_from_its_used_prefix_and_damage_past_it_is_still_found()
    {
        var dev = new MemoryBlockDevice(1 << 20);
        using (var log = Open(dev)) for (var i = 0; i < 10; i++) await log.AppendAsync([Entry(i, 40)]);
        using (var clean = MetaLog.OpenReadOnly(dev))
        {
            Assert.Equal(RecoveryOutcome.Clean, clean.Recovery.Outcome);
            Assert.Equal(10ul, clean.LastSequence);
        }
        // One stray sector near the end of the active region, far past the records: trailing data, as before.
        var sb = Superblock.Layout(dev.Length, dev.SectorSize);
        var stray = new byte[dev.SectorSize];
        Array.Fill(stray, (byte)0x5A);
        dev.Write(sb.RegionOffset + sb.RegionLength - dev.SectorSize, stray);
        using var damaged = MetaLog.OpenReadOnly(dev);
        Assert.Equal(TruncationReason.TrailingData, damaged.Recovery.Reason);
        Assert.Equal(10ul, damaged.LastSequence);
    }

    [Fact]
    public void The_option_rejects_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Every(1).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => Every(-1).Validate());
        Every(2).Validate();
    }
}
