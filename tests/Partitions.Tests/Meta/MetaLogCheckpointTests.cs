using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>Bounded size: checkpoints into the other region, the chain continues, unmirrored records are kept unless forced.</summary>
public class MetaLogCheckpointTests
{
    [Fact]
    public async Task The_log_checkpoints_when_full_and_snapshot_plus_later_records_fold_to_the_full_history()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var written = new List<LogEntry>();
        using (var log = Open(dev))
        {
            for (var i = 0; i < 300; i++)
            {
                var e = Entry(i, 100);
                written.Add(e);
                await log.AppendAsync([e]);
                log.AcknowledgeMirrored(log.LastSequence);
            }
            Assert.True(log.Generation > 3, $"expected several checkpoints, generation {log.Generation}");
            Assert.Equal(300ul, log.LastSequence);
        }
        using var again = Open(dev);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
        var cp = again.Checkpoint;
        Assert.True(cp.CheckpointSequence > 0);
        var later = again.ReadFrom(cp.CheckpointSequence + 1).ToList();
        Assert.Equal(FoldEntries(written), Fold(cp.Snapshot, later));
        // The chain continues across the checkpoint: the first later record links to the checkpoint hash.
        if (later.Count > 0) Assert.Equal(cp.CheckpointHash, later[0].PreviousHash.ToArray());
        Assert.Throws<MetaLogCompactedException>(() => again.ReadFrom(1));
        // Acknowledgements are persisted by checkpoints: every record folded at the last one had been acknowledged.
        Assert.Equal(cp.CheckpointSequence, again.MirroredSequence);
    }

    [Fact]
    public async Task Unmirrored_records_are_carried_over_and_not_dropped_unless_forced()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = Open(dev);
        var n = 0;
        MetaLogFullException? full = null;
        try
        {
            for (; n < 1000; n++) await log.AppendAsync([Entry(n, 100)]);
        }
        catch (MetaLogFullException e) { full = e; }
        Assert.NotNull(full);
        Assert.True(log.Generation > 1, "a checkpoint carrying the unmirrored records should have happened before the log filled");
        Assert.Equal(1ul, log.FirstSequence);   // nothing was dropped
        Assert.Equal(Enumerable.Range(1, n).Select(i => (ulong)i), log.ReadFrom(1).Select(r => r.Sequence));
        Assert.Equal((ulong)n, log.LastSequence);
        // Acknowledging lets the next checkpoint drop them; the append then succeeds.
        log.AcknowledgeMirrored((ulong)n);
        await log.AppendAsync([Entry(n, 100)]);
        Assert.Equal((ulong)n + 1, log.LastSequence);
        Assert.True(log.FirstSequence > 1);
    }

    [Fact]
    public async Task A_forced_drop_records_the_dropped_range_and_hash()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var hashes = new Dictionary<ulong, byte[]>();
        using (var log = Open(dev, Options(force: true)))
        {
            for (var i = 0; i < 400; i++)
            {
                await log.AppendAsync([Entry(i, 100)]);
                hashes[log.LastSequence] = log.LastHash.ToArray();
            }
            log.AcknowledgeMirrored(3);
        }
        using var again = Open(dev, Options(force: true));
        var cp = again.Checkpoint;
        Assert.True(cp.DroppedFrom >= 1 && cp.DroppedTo >= cp.DroppedFrom, $"no drop recorded: {cp.DroppedFrom}..{cp.DroppedTo}");
        Assert.Equal(hashes[cp.DroppedTo], cp.DroppedHash);
        Assert.Equal(cp.DroppedTo + 1, again.FirstSequence);
        Assert.Equal(400ul, again.LastSequence);
        Assert.Equal(hashes[cp.DroppedTo], again.ReadFrom(again.FirstSequence).First().PreviousHash.ToArray());
    }

    [Fact]
    public async Task A_forced_drop_is_recorded_as_an_event_right_after_the_checkpoint()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var reports = new List<DropReport>();
        var options = new MetaLogOptions
        {
            NodeId = Node, SnapshotFolder = Fold, RepairEventFactory = RepairEvent, ForceDropUnmirrored = true,
            DropEventFactory = d => { reports.Add(d); return new LogEntry(DropType, System.Text.Encoding.UTF8.GetBytes($"dropped {d.FromSequence}..{d.ToSequence}")); },
        };
        var appended = new List<ulong>();
        using (var log = Open(dev, options))
        {
            for (var i = 0; i < 400; i++) appended.AddRange(await log.AppendAsync([Entry(i, 100)]));
        }
        Assert.NotEmpty(reports);
        using var again = Open(dev, Options(force: true));
        var records = again.ReadFrom(again.FirstSequence).ToList();
        var cp = again.Checkpoint;
        var last = reports[^1];
        Assert.Equal((cp.DroppedFrom, cp.DroppedTo), (last.FromSequence, last.ToSequence));
        Assert.Equal(cp.DroppedHash, last.LastDroppedHash);
        // The event is the first record after the checkpoint's carried-over ones, at the sequence the report named,
        // and the callers' records keep gap-free sequences around it.
        var drop = Assert.Single(records, r => r.EventType == DropType && r.Sequence == last.EventSequence);
        Assert.Equal($"dropped {last.FromSequence}..{last.ToSequence}", System.Text.Encoding.UTF8.GetString(drop.Payload.Span));
        Assert.DoesNotContain(last.EventSequence, appended);
        Assert.Equal(400 + reports.Count, (int)again.LastSequence);
        AssertChain(records);
    }

    [Fact]
    public async Task An_explicit_forced_checkpoint_records_its_drop_and_an_unforced_one_records_nothing()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var reports = new List<DropReport>();
        var options = new MetaLogOptions
        {
            NodeId = Node, SnapshotFolder = Fold, RepairEventFactory = RepairEvent,
            DropEventFactory = d => { reports.Add(d); return new LogEntry(DropType, new byte[] { 1 }); },
        };
        using var log = Open(dev, options);
        // One batch each (a lone append pads to a sector, so single appends would pass the threshold first).
        await log.AppendAsync([.. Enumerable.Range(0, 40).Select(i => Entry(i, 100))]);
        await log.CheckpointAsync();
        Assert.Empty(reports);   // nothing had to be dropped: the unmirrored records fit
        await log.AppendAsync([.. Enumerable.Range(0, 70).Select(i => Entry(i, 100))]);
        var before = log.LastSequence;
        await log.CheckpointAsync(forceDropUnmirrored: true);
        var d = Assert.Single(reports);
        Assert.Equal(before + 1, d.EventSequence);
        Assert.Equal(before + 1, log.LastSequence);
        Assert.Equal(DropType, log.ReadFrom(before + 1).Single().EventType);
        Assert.Equal(d.ToSequence + 1, log.FirstSequence);
    }

    [Fact]
    public async Task Explicit_checkpoint_persists_the_mirrored_sequence_and_needs_a_folder()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using (var log = Open(dev))
        {
            await log.AppendAsync([Entry(1), Entry(2), Entry(3)]);
            log.AcknowledgeMirrored(2);
            await log.CheckpointAsync();
            Assert.Equal(2ul, log.Generation);
            Assert.Equal(3ul, log.FirstSequence);   // 1 and 2 are mirrored and folded; 3 is carried
        }
        using (var again = Open(dev))
        {
            Assert.Equal((2ul, 3ul, 3ul), (again.MirroredSequence, again.Checkpoint.CheckpointSequence, again.LastSequence));
            Assert.Equal([3ul], again.ReadFrom(3).Select(r => r.Sequence));
        }
        using var noFolder = Open(dev, Options(folder: false));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await noFolder.CheckpointAsync());
    }
}
