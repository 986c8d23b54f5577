using System.Buffers.Binary;
using System.Security.Cryptography;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Issue #22: damage followed by records of a later batch is corruption, never a torn tail. The open reports it with its
/// sequence and byte range and hashes, cuts nothing, keeps the records after it, never reuses a sequence number, and a
/// quarantine checkpoint then continues past it while the damaged region stays readable. A torn last batch is still
/// repaired as before. (specs/meta-log.md "Recovery".)
/// </summary>
public class MetaLogMidLogDamageTests
{
    private const int FirstFrame = 4096 + 512;   // region 0 + one checkpoint sector
    private const int FrameLen = RecordFrame.Overhead + 24;
    private const int Region0 = 4096;
    private const int RegionLength = 30720;      // (64 KiB - 4 KiB) / 2, in whole sectors

    // Ten appends of one record each: record k's batch is sector k-1 after the checkpoint, zero-padded.
    private static async Task<MemoryBlockDevice> TenBatches(int lastBatchRecords = 1)
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        using var log = Open(dev);
        for (var i = 0; i < 10 - lastBatchRecords; i++) await log.AppendAsync([Entry(i)]);
        await log.AppendAsync(Enumerable.Range(10 - lastBatchRecords, lastBatchRecords).Select(i => Entry(i)).ToList());
        return dev;
    }

    private static long RecordOffset(int k) => FirstFrame + (k - 1) * 512L;

    // Where region 0 holds the frame of sequence seq (-1: nowhere): the repair event went after the damage there.
    private static long RecordFrameOffset(MemoryBlockDevice dev, ulong seq)
    {
        for (long at = FirstFrame; at < Region0 + RegionLength; at += 512)
            if (RecordFrame.HasMagic(dev.Bytes[(int)at..]) && RecordFrame.Sequence(dev.Bytes[(int)at..]) == seq) return at;
        return -1;
    }

    private static void Flip(MemoryBlockDevice dev, long at, byte mask) => Change(dev, at, 1, b => b[0] ^= mask);

    // Changes bytes [at, at + length) through whole-sector reads and writes (the device takes nothing else).
    private static void Change(MemoryBlockDevice dev, long at, int length, Action<Span<byte>> change)
    {
        var start = at / 512 * 512;
        var sectors = new byte[(at + length - start + 511) / 512 * 512];
        dev.Read(start, sectors);
        change(sectors.AsSpan((int)(at - start), length));
        dev.Write(start, sectors);
    }

    [Fact]
    public async Task A_flipped_byte_in_a_middle_record_is_reported_as_damage_with_its_range_and_nothing_is_cut()
    {
        var dev = await TenBatches();
        Flip(dev, RecordOffset(5) + 70, 0x40);   // payload of record 5: its CRC fails, records 6..10 are intact
        var image = dev.Bytes.ToArray();

        using var audit = MetaLog.OpenReadOnly(dev);
        var r = audit.Recovery;
        Assert.Equal((RecoveryOutcome.Damaged, TruncationReason.TornRecord, 4ul, 0L, -1L), (r.Outcome, r.Reason, r.LastValidSequence, r.BytesDiscarded, r.TruncatedAtOffset));
        var d = Assert.IsType<LogDamage>(r.Damage);
        var from = RecordOffset(4) + FrameLen;
        Assert.Equal((5ul, 5ul, 6ul, 10ul), (d.FromSequence, d.ToSequence, d.ResumedAtSequence, d.LastSequence));
        Assert.Equal((from, RecordOffset(6) - from), (d.Offset, d.Length));
        Assert.Equal(SHA256.HashData(image.AsSpan((int)from, (int)d.Length)), d.Sha256);
        Assert.Equal(image.AsSpan((int)from, (int)d.Length).ToArray(), d.Excerpt);
        Assert.Contains("records 5..5 damaged", r.Detail);

        var records = audit.ReadFrom(1).ToList();
        Assert.Equal([1ul, 2, 3, 4, 6, 7, 8, 9, 10], records.Select(x => x.Sequence));
        Assert.Equal(d.LastGoodHash, records[3].Hash.ToArray());
        Assert.Equal(d.LostLastHash, records[4].PreviousHash.ToArray());
        AssertChain(records[4..]);
        Assert.Equal(10ul, audit.LastSequence);
        Assert.True(dev.Bytes.SequenceEqual(image), "a read-only open must not write");
    }

    [Fact]
    public async Task A_writable_open_never_reuses_a_sequence_number_and_keeps_the_damaged_bytes_in_place()
    {
        var dev = await TenBatches();
        Flip(dev, RecordOffset(5) + 70, 0x40);
        var damaged = dev.Bytes.ToArray();

        using (var log = Open(dev))
        {
            Assert.Equal(RecoveryOutcome.Damaged, log.Recovery.Outcome);
            // The repair event follows the highest sequence seen, after the damage: 11, not 5.
            Assert.Equal(11ul, log.LastSequence);
            var repair = log.ReadFrom(11).Single();
            Assert.Equal(RepairType, repair.EventType);
            Assert.Equal(RecordOffset(11), RecordFrameOffset(dev, 11));
            // The open then checkpointed past the damage (the quarantine checkpoint): region 1 from record 6 on.
            Assert.Equal((2ul, 6ul, 11ul), (log.Generation, log.FirstSequence, log.Checkpoint.CheckpointSequence));
            Assert.Equal([12ul], await log.AppendAsync([Entry(11)]));
            // Nothing was acknowledged as mirrored, so carrying only what follows the damage drops 1..5 (recorded).
            Assert.Equal((1ul, 5ul), (log.Checkpoint.DroppedFrom, log.Checkpoint.DroppedTo));
            // The snapshot folded the ten readable records, 1..4 and 6..11.
            Assert.Equal((10ul, 11ul), (BinaryPrimitives.ReadUInt64BigEndian(log.Checkpoint.Snapshot), BinaryPrimitives.ReadUInt64BigEndian(log.Checkpoint.Snapshot.AsSpan(8))));
            AssertChain(log.ReadFrom(6).ToList());
        }
        // Region 0, with the damaged record, is untouched by the checkpoint: still readable for forensics.
        Assert.Equal(damaged.AsSpan(Region0, (int)RecordOffset(11) - Region0).ToArray(), dev.Bytes[Region0..(int)RecordOffset(11)].ToArray());
        using var again = Open(dev);
        Assert.Equal((RecoveryOutcome.Clean, 12ul), (again.Recovery.Outcome, again.LastSequence));
    }

    [Fact]
    public async Task A_zeroed_sector_in_the_middle_hides_its_record_and_keeps_the_later_ones()
    {
        var dev = await TenBatches();
        dev.Write(RecordOffset(3), new byte[512]);
        using var audit = MetaLog.OpenReadOnly(dev);
        var d = Assert.IsType<LogDamage>(audit.Recovery.Damage);
        Assert.Equal((TruncationReason.TrailingData, 3ul, 3ul, 4ul, 10ul), (audit.Recovery.Reason, d.FromSequence, d.ToSequence, d.ResumedAtSequence, d.LastSequence));
        Assert.Equal([1ul, 2, 4, 5, 6, 7, 8, 9, 10], audit.ReadFrom(1).Select(x => x.Sequence));
    }

    [Fact]
    public async Task A_rewritten_record_with_a_valid_crc_breaks_the_link_and_keeps_every_record()
    {
        var dev = await TenBatches();
        var frame = new byte[FrameLen];
        Change(dev, RecordOffset(5), FrameLen, f =>
        {
            f[70] ^= 0x01;
            BinaryPrimitives.WriteUInt32BigEndian(f[(FrameLen - 4)..], Crc32C.Compute(f[..(FrameLen - 4)]));
            f.CopyTo(frame);
        });

        using var audit = MetaLog.OpenReadOnly(dev);
        var d = Assert.IsType<LogDamage>(audit.Recovery.Damage);
        Assert.Equal((TruncationReason.ChainBroken, 0ul, 6ul), (audit.Recovery.Reason, d.LostCount, d.ResumedAtSequence));
        Assert.Contains("the chain link before record 6", d.Range);
        var records = audit.ReadFrom(1).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), records.Select(x => x.Sequence));
        Assert.Equal(SHA256.HashData(frame), records[4].Hash.ToArray());
        Assert.False(records[4].Hash.Span.SequenceEqual(records[5].PreviousHash.Span));
    }

    [Fact]
    public async Task Damage_inside_the_last_batch_is_still_a_torn_tail_cut_and_recorded_as_before()
    {
        // Records 9 and 10 are one batch (the last write): damage there is what a power loss leaves.
        var dev = await TenBatches(lastBatchRecords: 2);
        Flip(dev, RecordOffset(9) + 70, 0x40);
        using (var log = Open(dev))
        {
            Assert.Equal((RecoveryOutcome.Truncated, TruncationReason.TornRecord, 8ul, RecordOffset(9) + 2 * FrameLen - (RecordOffset(8) + FrameLen)), (log.Recovery.Outcome, log.Recovery.Reason, log.Recovery.LastValidSequence, log.Recovery.BytesDiscarded));
            Assert.Null(log.Recovery.Damage);
            Assert.Equal(9ul, log.LastSequence);   // 8 kept + the repair event
        }
        using var again = Open(dev);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
    }

    [Theory]
    [InlineData(0, 4)]     // magic
    [InlineData(8, 4)]     // length
    [InlineData(12, 8)]    // sequence
    [InlineData(28, 32)]   // chain link
    [InlineData(60, 24)]   // payload
    [InlineData(84, 4)]    // CRC
    public async Task Any_zeroed_or_flipped_field_of_a_middle_record_is_damage_never_a_cut(int offset, int length)
    {
        foreach (var zero in new[] { true, false })
        {
            var dev = await TenBatches();
            Change(dev, RecordOffset(6) + offset, length, b =>
            {
                for (var i = 0; i < b.Length; i++) b[i] = zero ? (byte)0 : (byte)~b[i];
            });
            using var log = Open(dev);
            Assert.Equal(RecoveryOutcome.Damaged, log.Recovery.Outcome);
            Assert.Equal(0L, log.Recovery.BytesDiscarded);
            // The quarantine checkpoint folded 1..5 and 7..10 and the repair event (11), and carries what follows the damage.
            Assert.Equal([7ul, 8, 9, 10, 11], log.ReadFrom(log.FirstSequence).Select(x => x.Sequence));
            Assert.Equal((10ul, 11ul), (BinaryPrimitives.ReadUInt64BigEndian(log.Checkpoint.Snapshot), log.Checkpoint.CheckpointSequence));
            Assert.Equal(11ul, log.LastSequence);
        }
    }
}
