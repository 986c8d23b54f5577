using System.Buffers.Binary;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>Invariant 7: each kind of bad META input gets a specific error or a reported truncation, and no bad record is accepted.</summary>
public class MetaLogBadInputTests
{
    private const int FirstFrame = 4096 + 512;   // region 0 + one checkpoint sector
    private const int FrameLen = RecordFrame.Overhead + 24;

    private static async Task<MemoryBlockDevice> FiveRecords()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = Open(dev);
        await log.AppendAsync(Enumerable.Range(0, 5).Select(i => Entry(i)).ToList());
        return dev;
    }

    // Rewrites record k (1-based) of FiveRecords with a change and a recomputed, valid CRC.
    private static void Rewrite(MemoryBlockDevice dev, int k, Action<Span<byte>> change)
    {
        var sector = new byte[1024];
        dev.Read(4608, sector);
        var frame = sector.AsSpan((k - 1) * FrameLen, FrameLen);
        change(frame);
        BinaryPrimitives.WriteUInt32BigEndian(frame[^4..], Crc32C.Compute(frame[..^4]));
        dev.Write(4608, sector);
    }

    [Fact]
    public void Random_bytes_are_refused_with_a_specific_error_and_nothing_is_written()
    {
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        var dev = new MemoryBlockDevice(bytes);
        var ex = Assert.Throws<MetaLogCorruptException>(() => Open(dev));
        Assert.Contains("no valid superblock", ex.Reason);
        Assert.True(dev.Bytes.SequenceEqual(bytes));
        Assert.Throws<MetaLogCorruptException>(() => MetaLog.OpenReadOnly(dev));
    }

    [Fact]
    public async Task An_unknown_superblock_version_is_refused_and_nothing_is_written()
    {
        var dev = await FiveRecords();
        var sector = new byte[512];
        dev.Read(0, sector);
        BinaryPrimitives.WriteUInt16BigEndian(sector.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32BigEndian(sector.AsSpan(68), Crc32C.Compute(sector.AsSpan(0, 68)));
        dev.Write(0, sector);
        var image = dev.Bytes.ToArray();
        var ex = Assert.Throws<MetaLogUnsupportedVersionException>(() => Open(dev));
        Assert.Equal(("superblock", 2), (ex.Structure, ex.Version));
        Assert.True(dev.Bytes.SequenceEqual(image));
    }

    [Fact]
    public async Task An_unknown_record_version_with_a_valid_crc_is_refused()
    {
        var dev = await FiveRecords();
        Rewrite(dev, 3, f => f[4] = 9);
        var image = dev.Bytes.ToArray();
        var ex = Assert.Throws<MetaLogUnsupportedVersionException>(() => Open(dev));
        Assert.Equal(("record", 9, (long)FirstFrame + 2 * FrameLen), (ex.Structure, ex.Version, ex.Offset));
        Assert.True(dev.Bytes.SequenceEqual(image));
    }

    [Fact]
    public async Task A_valid_crc_with_a_broken_chain_is_cut_off_and_the_repair_recorded()
    {
        var dev = await FiveRecords();
        Rewrite(dev, 3, f => f[30] ^= 0x01);   // inside the previous-hash field
        using (var audit = MetaLog.OpenReadOnly(dev))
        {
            Assert.Equal((RecoveryOutcome.Truncated, TruncationReason.ChainBroken, 2ul), (audit.Recovery.Outcome, audit.Recovery.Reason, audit.LastSequence));
            Assert.Equal(3 * FrameLen, audit.Recovery.BytesDiscarded);
            Assert.Equal(FirstFrame + 2 * FrameLen, audit.Recovery.TruncatedAtOffset);
        }
        using (var log = Open(dev))
        {
            var recs = log.ReadFrom(1).ToList();
            Assert.Equal([1ul, 2, 3], recs.Select(r => r.Sequence));
            Assert.Equal(RepairType, recs[2].EventType);
            Assert.Equal($"repair ChainBroken {3 * FrameLen} after 2", System.Text.Encoding.UTF8.GetString(recs[2].Payload.Span));
            AssertChain(recs);
        }
        using var again = Open(dev);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
        Assert.Equal(3ul, again.LastSequence);
    }

    [Fact]
    public async Task A_sequence_gap_is_cut_off()
    {
        var dev = await FiveRecords();
        Rewrite(dev, 4, f => BinaryPrimitives.WriteUInt64BigEndian(f[12..], 5));
        using var audit = MetaLog.OpenReadOnly(dev);
        Assert.Equal((TruncationReason.SequenceGap, 3ul), (audit.Recovery.Reason, audit.LastSequence));
        Assert.Contains("sequence 5, expected 4", audit.Recovery.Detail);
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_off_and_recovery_is_idempotent()
    {
        var dev = await FiveRecords();
        var sector = new byte[512];
        dev.Read(4608, sector);
        sector[4 * FrameLen + 70] ^= 0x40;   // payload of record 5, CRC no longer matches
        dev.Write(4608, sector);
        using (var log = Open(dev))
        {
            Assert.Equal((TruncationReason.TornRecord, (long)FrameLen), (log.Recovery.Reason, log.Recovery.BytesDiscarded));
            Assert.Equal(5ul, log.LastSequence);   // 4 kept + the repair event
            Assert.Equal(RepairType, log.ReadFrom(5).Single().EventType);
        }
        var image = dev.Bytes.ToArray();
        using var again = Open(dev);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
        Assert.True(dev.Bytes.SequenceEqual(image), "the second open must not write");
    }

    [Fact]
    public async Task A_damaged_superblock_copy_falls_back_to_the_other_and_is_rewritten()
    {
        var dev = await FiveRecords();
        dev.Write(0, Enumerable.Repeat((byte)0x5A, 512).ToArray());
        using (var log = Open(dev))
        {
            Assert.True(log.Recovery.SuperblockRepaired);
            Assert.Equal(5ul, log.LastSequence);
        }
        Assert.True(dev.Bytes[..512].SequenceEqual(dev.Bytes.Slice(512, 512)));
        Assert.Equal(SuperblockStatus.Valid, Superblock.TryDecode(dev.Bytes[..512], out _));
    }

    [Fact]
    public async Task A_damaged_checkpoint_or_wrong_geometry_is_refused()
    {
        var dev = await FiveRecords();
        var bigger = new MemoryBlockDevice(128 * 1024);
        bigger.Write(0, dev.Bytes);
        Assert.Contains("geometry", Assert.Throws<MetaLogCorruptException>(() => Open(bigger)).Reason);
        var sector = new byte[512];
        dev.Read(4096, sector);
        sector[100] ^= 1;
        dev.Write(4096, sector);
        var image = dev.Bytes.ToArray();
        Assert.Contains("checkpoint", Assert.Throws<MetaLogCorruptException>(() => Open(dev)).Reason);
        Assert.True(dev.Bytes.SequenceEqual(image));
    }

    [Fact]
    public async Task A_broken_link_deep_in_a_large_log_is_found_by_the_parallel_chain_check_and_the_later_batch_kept()
    {
        var dev = new MemoryBlockDevice(4 << 20);
        using (var log = Open(dev))
            for (var b = 0; b < 10; b++) await log.AppendAsync(Enumerable.Range(b * 1000, 1000).Select(i => Entry(i)).ToList());
        // Record 9000: batch 8, index 999; batches are 1000 frames of 88 bytes padded to 172 sectors.
        long at = FirstFrame + 8 * 88064L + 999 * FrameLen;
        var sectors = new byte[1024];
        var start = at / 512 * 512;
        dev.Read(start, sectors);
        var frame = sectors.AsSpan((int)(at - start), FrameLen);
        frame[40] ^= 0x80;   // previous-hash field
        BinaryPrimitives.WriteUInt32BigEndian(frame[^4..], Crc32C.Compute(frame[..^4]));
        dev.Write(start, sectors);
        using var audit = MetaLog.OpenReadOnly(dev);
        // Record 9000 ends its batch and batch 9 (9001..10000) follows it intact: mid-log damage, not a torn tail
        // (issue #22). Record 9000 no longer links to 8999 and 9001 no longer links to 9000: 9000 is the damaged span.
        Assert.Equal((RecoveryOutcome.Damaged, TruncationReason.ChainBroken, 8999ul, 10000ul), (audit.Recovery.Outcome, audit.Recovery.Reason, audit.Recovery.LastValidSequence, audit.LastSequence));
        var d = audit.Recovery.Damage!;
        Assert.Equal((at, 9000ul, 9000ul, 9001ul), (d.Offset, d.FromSequence, d.ToSequence, d.ResumedAtSequence));
        AssertChain(audit.ReadFrom(8990).Take(9).ToList());
        AssertChain(audit.ReadFrom(9001).ToList());
    }
}
