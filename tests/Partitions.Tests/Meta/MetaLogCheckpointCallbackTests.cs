using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// <see cref="MetaLogOptions.CheckpointWritten"/> (issue #10: the node signs each checkpoint's head): called once per
/// checkpoint, with the header that is durable, after the batch's records are durable and before its callers resume;
/// a throwing callback
/// changes nothing for the log.
/// </summary>
public class MetaLogCheckpointCallbackTests
{
    private static MetaLogOptions WithCallback(Action<CheckpointHeader> cb, bool force = false) => new()
    {
        NodeId = Node,
        SnapshotFolder = Fold,
        ForceDropUnmirrored = force,
        CheckpointWritten = cb,
    };

    [Fact]
    public async Task Each_checkpoint_is_reported_once_with_the_header_that_is_on_disk()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var seen = new List<(CheckpointHeader Header, ulong Generation, ulong LastSequence)>();
        MetaLog? log = null;
        using (log = Open(dev, WithCallback(cp => seen.Add((cp, log!.Generation, log.LastSequence)))))
        {
            for (var i = 0; i < 300; i++)
            {
                await log.AppendAsync([Entry(i, 100)]);
                log.AcknowledgeMirrored(log.LastSequence);
            }
            var before = seen.Count;
            await log.CheckpointAsync();
            Assert.Equal(before + 1, seen.Count);   // the callback has run when CheckpointAsync returns
            Assert.Equal((int)log.Generation - 1, seen.Count);   // generation 1 is the creation, not a checkpoint
            Assert.Equal(Enumerable.Range(2, seen.Count).Select(g => (ulong)g), seen.Select(s => s.Header.Generation));
            // The triggering batch was already committed when the callback ran: the log was past the checkpoint.
            Assert.All(seen.SkipLast(1), s => Assert.True(s.LastSequence > s.Header.CheckpointSequence));
            Assert.All(seen, s => Assert.Equal(s.Header.Generation, s.Generation));
        }
        using var again = Open(dev);
        var last = seen[^1].Header;
        Assert.Equal(last.Generation, again.Checkpoint.Generation);
        Assert.Equal(last.CheckpointSequence, again.Checkpoint.CheckpointSequence);
        Assert.Equal(last.CheckpointHash, again.Checkpoint.CheckpointHash);
        Assert.Equal(again.LastSequence, last.CheckpointSequence);   // the explicit checkpoint folded everything
        Assert.Equal(again.LastHash.ToArray(), last.CheckpointHash);
    }

    [Fact]
    public async Task No_checkpoint_no_call()
    {
        var calls = 0;
        using var log = Open(new MemoryBlockDevice(64 * 1024), WithCallback(_ => calls++));
        for (var i = 0; i < 20; i++) await log.AppendAsync([Entry(i, 100)]);
        Assert.Equal(1ul, log.Generation);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task A_forced_drop_reports_the_checkpoint_after_its_drop_event_is_written()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var calls = new List<(CheckpointHeader Header, ulong LastSequence)>();
        MetaLog? log = null;
        using (log = Open(dev, new MetaLogOptions
        {
            NodeId = Node, SnapshotFolder = Fold, ForceDropUnmirrored = true,
            DropEventFactory = d => new LogEntry(75, BitConverter.GetBytes(d.ToSequence)),
            CheckpointWritten = cp => calls.Add((cp, log!.LastSequence)),
        }))
        {
            // Nothing is acknowledged, so the checkpoint that runs out of room has to drop.
            for (var i = 0; i < 1000 && log.Checkpoint.DroppedTo == 0; i++) await log.AppendAsync([Entry(i, 100)]);
            var cp = log.Checkpoint;
            Assert.True(cp.DroppedTo > 0, "no forced drop happened");
            var (header, lastAtCall) = calls[^1];
            Assert.Equal(cp.Generation, header.Generation);
            var dropEvent = log.ReadFrom(cp.CheckpointSequence + 1).First();
            Assert.Equal((ushort)75, dropEvent.EventType);
            Assert.True(lastAtCall >= dropEvent.Sequence, $"callback ran at {lastAtCall}, before the drop event {dropEvent.Sequence}");
        }
    }

    [Fact]
    public async Task A_throwing_callback_does_not_fail_the_append_or_the_log()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var calls = 0;
        using (var log = Open(dev, WithCallback(_ => { calls++; throw new IOException("sign failed"); })))
        {
            for (var i = 0; i < 300; i++)
            {
                await log.AppendAsync([Entry(i, 100)]);
                log.AcknowledgeMirrored(log.LastSequence);
            }
            Assert.True(calls >= 2, $"expected several checkpoints, got {calls}");
            Assert.Equal(300ul, log.LastSequence);
        }
        using var again = Open(dev);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
        Assert.Equal(300ul, again.LastSequence);
    }
}
