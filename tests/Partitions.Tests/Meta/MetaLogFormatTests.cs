using Talos.Partitions.Devices;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Tests.Meta;

/// <summary>Golden bytes for every META structure (specs/meta-log.md): the hex here is the contract. The CRC-32C
/// values were computed independently with a bitwise Python implementation of the Castagnoli polynomial.</summary>
public class MetaLogFormatTests
{
    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Record_frame_golden_bytes()
    {
        var buf = new byte[RecordFrame.Overhead + 3];
        var prev = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var len = RecordFrame.Encode(buf, 7, 1_700_000_000_123_456, 0x0102, [0xAA, 0xBB, 0xCC], prev);
        Assert.Equal(67, len);
        Assert.Equal(
            "544D4C52" + "01" + "00" + "0102" + "00000043" + "0000000000000007" + "00060A2418202240"
            + "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F" + "AABBCC" + "46A4A123",
            Convert.ToHexString(buf));
        Assert.Equal(FrameStatus.Ok, RecordFrame.Check(buf, out var checkedLen));
        Assert.Equal(67, checkedLen);
    }

    [Fact]
    public void Superblock_golden_bytes()
    {
        var sb = new Superblock(5, MetaTestKit.Node, 512, 1 << 20, 4096, 522240, 1);
        var sector = new byte[512];
        sb.Encode(sector);
        Assert.Equal(
            "54414C4F534D5342" + "0001" + "0000" + "00000200" + "0000000000000005" + "0F1E2D3C4B5A69788796A5B4C3D2E1F0"
            + "0000000000100000" + "0000000000001000" + "000000000007F800" + "01" + "000000" + "ED853714",
            Convert.ToHexString(sector.AsSpan(0, Superblock.Size)));
        Assert.False(sector.AsSpan(Superblock.Size).ContainsAnyExcept((byte)0));
        Assert.Equal(SuperblockStatus.Valid, Superblock.TryDecode(sector, out var back));
        Assert.Equal(sb, back);
    }

    [Fact]
    public void Checkpoint_header_golden_bytes()
    {
        var h1 = Enumerable.Repeat((byte)0x11, 32).ToArray();
        var h2 = Enumerable.Repeat((byte)0x22, 32).ToArray();
        var h3 = Enumerable.Repeat((byte)0x33, 32).ToArray();
        var cp = new CheckpointHeader(3, 10, h1, 8, h2, 7, 0, 0, h3, [1, 2, 3, 4]);
        var block = new byte[cp.BlockLength(512)];
        Assert.Equal(512, block.Length);
        cp.Encode(block);
        Assert.Equal(
            "54414C4F534D4350" + "0001" + "0000" + "00000004" + "0000000000000003" + "000000000000000A" + new string('1', 64)
            + "0000000000000008" + new string('2', 64) + "0000000000000007" + "0000000000000000" + "0000000000000000"
            + new string('3', 64) + "D42794E8" + "00000000" + "01020304",
            Convert.ToHexString(block.AsSpan(0, CheckpointHeader.FixedSize + 4)));
        Assert.Equal(CheckpointStatus.Valid, CheckpointHeader.TryDecode(block, out var back));
        Assert.Equal(cp.Snapshot, back!.Snapshot);
        Assert.Equal(cp.FirstSequence, back.FirstSequence);
    }

    [Fact]
    public async Task A_new_log_image_is_deterministic()
    {
        var a = new MemoryBlockDevice(64 * 1024);
        var b = new MemoryBlockDevice(64 * 1024);
        using (var la = MetaTestKit.Open(a)) await la.AppendAsync([MetaTestKit.Entry(1)]);
        using (var lb = MetaTestKit.Open(b)) await lb.AppendAsync([MetaTestKit.Entry(1)]);
        Assert.True(a.Bytes.SequenceEqual(b.Bytes));
        // Superblock copies identical, region 0 at 4096 starts with the checkpoint, first record at 4096 + 512.
        Assert.True(a.Bytes[..512].SequenceEqual(a.Bytes.Slice(512, 512)));
        Assert.True(a.Bytes.Slice(4096, 8).SequenceEqual("TALOSMCP"u8));
        Assert.True(a.Bytes.Slice(4096 + 512, 4).SequenceEqual("TMLR"u8));
    }
}
