using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>Append, read, reopen, group commit and follow on a memory device.</summary>
public class MetaLogAppendTests
{
    [Fact]
    public async Task A_zeroed_partition_opens_as_an_empty_log_and_appends_start_at_one()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = Open(dev);
        Assert.Equal(RecoveryOutcome.Created, log.Recovery.Outcome);
        Assert.Equal(0ul, log.LastSequence);
        Assert.Equal(new byte[32], log.LastHash.ToArray());
        var seqs = await log.AppendAsync([Entry(1), Entry(2), Entry(3)]);
        Assert.Equal([1ul, 2, 3], seqs);
        var recs = log.ReadFrom(1).ToList();
        Assert.Equal([1ul, 2, 3], recs.Select(r => r.Sequence));
        Assert.Equal(Entry(2).Payload.ToArray(), recs[1].Payload.ToArray());
        Assert.Equal(Entry(2).EventType, recs[1].EventType);
        Assert.Equal(new byte[32], recs[0].PreviousHash.ToArray());
        AssertChain(recs);
        Assert.Equal(log.LastHash.ToArray(), recs[2].Hash.ToArray());
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddMilliseconds(1), recs[0].Timestamp);
        Assert.Equal(Node, log.NodeId);
    }

    [Fact]
    public async Task Records_survive_reopen_and_reopening_is_idempotent()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using (var log = Open(dev))
            for (var i = 0; i < 10; i++) await log.AppendAsync([Entry(i, 10 + i)]);
        var image = dev.Bytes.ToArray();
        using var again = Open(dev);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
        Assert.Equal(10ul, again.LastSequence);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => Entry(i, 10 + i).Payload.ToArray()), again.ReadFrom(1).Select(r => r.Payload.ToArray()));
        Assert.True(dev.Bytes.SequenceEqual(image), "a clean open must not write");
        Assert.Equal([5ul, 6, 7, 8, 9, 10], again.ReadFrom(5).Select(r => r.Sequence));
        Assert.Empty(again.ReadFrom(11));
    }

    [Fact]
    public async Task Each_append_is_flushed_before_it_returns()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = Open(dev);
        var before = dev.FlushCount;
        await log.AppendAsync([Entry(1)]);
        Assert.Equal(before + 1, dev.FlushCount);
        // The bytes are on the device: a fresh read-only open sees the record.
        using var audit = MetaLog.OpenReadOnly(Copy(dev));
        Assert.Equal(1ul, audit.LastSequence);
    }

    [Fact]
    public void Concurrent_appenders_are_group_committed_in_gap_free_order()
    {
        var slow = new SlowFlushDevice(new MemoryBlockDevice(1024 * 1024), TimeSpan.FromMilliseconds(2));
        using var log = MetaLog.Open(slow, Options(), new SteppingTime());
        var flushesBefore = slow.Flushes;
        // Real threads, so the appenders are concurrent even when the test host's thread pool has one free thread.
        var results = new List<ulong>[16];
        var threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            var mine = new List<ulong>();
            for (var i = 0; i < 20; i++) mine.AddRange(log.AppendAsync([Entry(t * 100 + i)]).AsTask().GetAwaiter().GetResult());
            results[t] = mine;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var all = results.SelectMany(x => x).OrderBy(x => x).ToList();
        Assert.Equal(Enumerable.Range(1, 320).Select(i => (ulong)i), all);
        var flushes = slow.Flushes - flushesBefore;
        Assert.True(flushes < 320 / 2, $"expected group commit to batch appends, saw {flushes} flushes for 320 appends");
        foreach (var r in results) Assert.Equal(r.OrderBy(x => x), r);   // each caller's order is kept
        AssertChain(log.ReadFrom(1).ToList());
    }

    [Fact]
    public async Task Works_on_4K_sectors_inside_a_partition_of_a_larger_disk()
    {
        var disk = new MemoryBlockDevice(1 << 20, 4096);
        var part = new SubDevice(disk, 256 * 1024, 256 * 1024);
        var written = new List<LogEntry>();
        using (var log = Open(part))
            for (var i = 0; i < 60; i++)
            {
                written.Add(Entry(i, 200));
                await log.AppendAsync([written[^1]]);
                log.AcknowledgeMirrored(log.LastSequence);
            }
        Assert.False(disk.Bytes[..(256 * 1024)].ContainsAnyExcept((byte)0));   // nothing outside the partition
        Assert.False(disk.Bytes[(512 * 1024)..].ContainsAnyExcept((byte)0));
        using var again = Open(part);
        Assert.True(again.Generation > 1, "4 KiB batches should have filled a region and checkpointed");
        Assert.Equal(FoldEntries(written), Fold(again.Checkpoint.Snapshot, again.ReadFrom(again.Checkpoint.CheckpointSequence + 1)));
    }

    [Fact]
    public async Task A_failed_flush_stops_the_log_and_a_reopen_recovers()
    {
        var inner = new MemoryBlockDevice(64 * 1024);
        var dev = new FailingFlushDevice(inner);
        using (var log = Open(dev))
        {
            await log.AppendAsync([Entry(1)]);
            dev.Fail = true;
            var ex = await Assert.ThrowsAsync<MetaLogFailedException>(async () => await log.AppendAsync([Entry(2)]));
            Assert.IsType<IOException>(ex.InnerException);
            dev.Fail = false;
            await Assert.ThrowsAsync<MetaLogFailedException>(async () => await log.AppendAsync([Entry(3)]));   // stays stopped
            Assert.Equal(1ul, log.LastSequence);   // the unflushed record was never published
        }
        using var again = Open(inner);
        Assert.True(again.LastSequence >= 1);   // record 2 may or may not have reached the medium; 1 must have
        Assert.Equal(Entry(1).Payload.ToArray(), again.ReadFrom(1).First().Payload.ToArray());
    }

    [Fact]
    public async Task Follow_streams_existing_and_new_records()
    {
        using var log = Open(new MemoryBlockDevice(64 * 1024));
        await log.AppendAsync([Entry(1), Entry(2)]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<ulong>();
        var follower = Task.Run(async () =>
        {
            await foreach (var r in log.FollowAsync(2, cts.Token))
            {
                seen.Add(r.Sequence);
                if (r.Sequence == 4) break;
            }
        });
        await log.AppendAsync([Entry(3)]);
        await log.AppendAsync([Entry(4)]);
        await follower;
        Assert.Equal([2ul, 3, 4], seen);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_without_writing()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = MetaLog.Open(dev, Options() , new SteppingTime());
        var image = dev.Bytes.ToArray();
        await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsync([]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.AppendAsync([new LogEntry(1, new byte[64 * 1024 + 1])]));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.AcknowledgeMirrored(1));
        Assert.True(dev.Bytes.SequenceEqual(image));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetaLog.Open(dev, new MetaLogOptions { CheckpointThreshold = 2 }, TimeProvider.System));
    }

    [Fact]
    public async Task The_read_only_open_never_writes()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using (var log = Open(dev)) await log.AppendAsync([Entry(1)]);
        dev.Write(4096 + 1024, Enumerable.Repeat((byte)0xEE, 512).ToArray());   // trailing garbage to be repaired
        var image = dev.Bytes.ToArray();
        using var audit = MetaLog.OpenReadOnly(dev);
        Assert.Equal(TruncationReason.TrailingData, audit.Recovery.Reason);
        Assert.Equal(4096 + 1024 + 512 - (4096 + 512 + 88), audit.Recovery.BytesDiscarded);   // from the end of record 1 to the end of the garbage
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await audit.AppendAsync([Entry(2)]));
        Assert.True(dev.Bytes.SequenceEqual(image));
        using var zeroAudit = MetaLog.OpenReadOnly(new MemoryBlockDevice(64 * 1024));
        Assert.Equal(RecoveryOutcome.Created, zeroAudit.Recovery.Outcome);
        Assert.Empty(zeroAudit.ReadFrom(1));
    }
}

/// <summary>Makes each flush take real time so concurrent appenders pile up (as on a disk).</summary>
internal sealed class SlowFlushDevice(IBlockDevice inner, TimeSpan delay) : IBlockDevice
{
    private int _flushes;
    public int Flushes => _flushes;
    public int SectorSize => inner.SectorSize;
    public long Length => inner.Length;
    public void Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
    public void Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);
    public void Flush() { Thread.Sleep(delay); Interlocked.Increment(ref _flushes); inner.Flush(); }
    public void Dispose() { }
}

/// <summary>Flush throws while <see cref="Fail"/> is set (a disk that reports EIO on fdatasync).</summary>
internal sealed class FailingFlushDevice(IBlockDevice inner) : IBlockDevice
{
    public bool Fail { get; set; }
    public int SectorSize => inner.SectorSize;
    public long Length => inner.Length;
    public void Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
    public void Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);
    public void Flush() { if (Fail) throw new IOException("simulated EIO on fdatasync"); inner.Flush(); }
    public void Dispose() { }
}
