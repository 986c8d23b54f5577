using Talos.Partitions.Devices;
using Talos.Upgrade.Slots;
using Talos.Upgrade.Slots.Errors;
using Talos.Upgrade.Tests.Support;
using static Talos.Upgrade.Tests.Slots.SlotFixtures;

namespace Talos.Upgrade.Tests.Slots;

public sealed class SlotWriterTests
{
    private readonly SlotWriter _writer = new(chunkSize: 64 * 1024);
    private readonly SlotReader _reader = new(chunkSize: 64 * 1024);

    [Fact]
    public void Written_slot_measures_valid_with_the_returned_digest()
    {
        var disk = new MemoryBlockDevice(4 << 20);
        var slot = new SubDevice(disk, 1 << 20, 2 << 20);
        var kernel = Bytes(300_001, 1);
        var init = Bytes(700_003, 2);
        var r = _writer.Write(slot, BootSlot.B, BootSlot.A, Payload(kernel, init));
        var m = _reader.Measure(slot);
        Assert.Equal(SlotState.Valid, m.State);
        Assert.Equal(r.ContentDigest, m.ContentDigest);
        Assert.Equal(kernel, disk.Bytes.Slice((1 << 20) + 4096, kernel.Length).ToArray());
        Assert.Equal(init, disk.Bytes.Slice((1 << 20) + (int)r.Header.InitramfsOffset, init.Length).ToArray());
        Assert.False(disk.Bytes[..(1 << 20)].ContainsAnyExcept((byte)0)); // nothing outside the slot
        Assert.False(disk.Bytes[(3 << 20)..].ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void Refuses_the_confirmed_slot_before_touching_the_device()
    {
        var dev = new MemoryBlockDevice(2 << 20);
        var ex = Assert.Throws<SlotIsConfirmedException>(() => _writer.Write(dev, BootSlot.A, BootSlot.A, Payload(Bytes(10, 1), Bytes(10, 2))));
        Assert.Equal(BootSlot.A, ex.Slot);
        Assert.False(dev.Bytes.ContainsAnyExcept((byte)0));
        Assert.Equal(0, dev.FlushCount);
    }

    [Fact]
    public void Refuses_an_image_that_does_not_fit_before_touching_the_device()
    {
        var dev = new MemoryBlockDevice(64 * 1024);
        var ex = Assert.Throws<SlotTooSmallException>(() => _writer.Write(dev, BootSlot.A, null, Payload(Bytes(40_000, 1), Bytes(40_000, 2))));
        Assert.Equal(4096 + 40960 + 40960, ex.Needed);
        Assert.False(dev.Bytes.ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void Content_not_matching_its_digest_leaves_the_slot_invalid_and_old_image_gone_not_half_valid()
    {
        var dev = new MemoryBlockDevice(2 << 20);
        _writer.Write(dev, BootSlot.B, null, Payload(Bytes(5000, 1), Bytes(6000, 2), "v1.8.0"));
        var good = Payload(Bytes(5000, 3), Bytes(6000, 4));
        var bad = good with { Initramfs = good.Initramfs with { Open = () => new MemoryStream(Bytes(6000, 99)) } };
        var ex = Assert.Throws<SlotWriteVerificationException>(() => _writer.Write(dev, BootSlot.B, BootSlot.A, bad));
        Assert.Equal("initramfs", ex.Part);
        Assert.Equal(SlotState.Empty, _reader.Measure(dev).State);
    }

    [Theory]
    [InlineData(4999, "stream ended early")]
    [InlineData(5001, "more bytes than declared")]
    public void Stream_of_the_wrong_length_is_refused(int actualLength, string expected)
    {
        var dev = new MemoryBlockDevice(2 << 20);
        var p = Payload(Bytes(5000, 1), Bytes(6000, 2));
        var wrong = p with { Kernel = p.Kernel with { Open = () => new MemoryStream(Bytes(actualLength, 1)) } };
        var ex = Assert.Throws<SlotWriteVerificationException>(() => _writer.Write(dev, BootSlot.A, null, wrong));
        Assert.Contains(expected, ex.Actual);
        Assert.Equal(SlotState.Empty, _reader.Measure(dev).State);
    }

    [Fact]
    public void Flipped_payload_byte_makes_the_measurement_invalid_with_reason()
    {
        var disk = new MemoryBlockDevice(2 << 20);
        var r = _writer.Write(disk, BootSlot.A, null, Payload(Bytes(5000, 1), Bytes(6000, 2)));
        var raw = disk.Bytes.ToArray();
        raw[(int)r.Header.InitramfsOffset + 5999] ^= 0x80;
        var m = _reader.Measure(new MemoryBlockDevice(raw));
        Assert.Equal(SlotState.Invalid, m.State);
        Assert.Contains("initramfs digest mismatch", m.Reason);
        Assert.Null(m.ContentDigest);
    }

    [Fact]
    public void Header_pointing_past_the_slot_end_is_invalid()
    {
        var big = new MemoryBlockDevice(2 << 20);
        _writer.Write(big, BootSlot.A, null, Payload(Bytes(500_000, 1), Bytes(500_000, 2)));
        var truncated = new MemoryBlockDevice(big.Bytes[..(512 * 1024)]);
        var m = _reader.Measure(truncated);
        Assert.Equal(SlotState.Invalid, m.State);
        Assert.Contains("past the slot end", m.Reason);
    }

    [Fact]
    public void Real_file_device_with_4k_sectors_round_trips_and_fsyncs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"talos-slot-{Environment.ProcessId}-{nameof(Real_file_device_with_4k_sectors_round_trips_and_fsyncs)}.img");
        try
        {
            string digest;
            using (var dev = new TestFileBlockDevice(path, 4 << 20, 4096))
            {
                digest = _writer.Write(dev, BootSlot.A, BootSlot.B, Payload(Bytes(1_000_000, 5), Bytes(2_000_000, 6))).ContentDigest;
                Assert.True(dev.FlushCount >= 3); // invalidate, payload, header
            }
            using var reopened = new TestFileBlockDevice(path, 4 << 20, 4096);
            var m = _reader.Measure(reopened);
            Assert.Equal((SlotState.Valid, digest), (m.State, m.ContentDigest));
        }
        finally { File.Delete(path); }
    }
}
