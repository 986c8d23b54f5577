using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Talos.Partitions.Devices;
using Talos.Upgrade.Slots;
using static Talos.Upgrade.Tests.Slots.SlotFixtures;

namespace Talos.Upgrade.Tests.Slots;

public sealed class SlotProperties
{
    /// <summary>Invariant 1 from the reader's side: any single flipped byte in the header or a payload extent makes the slot unbootable.</summary>
    [Property(MaxTest = 60)]
    public Property Any_flipped_measured_byte_invalidates_the_slot(PositiveInt kernelSize, PositiveInt initSize, NonNegativeInt where, byte mask)
    {
        var k = kernelSize.Get % 20_000 + 1;
        var i = initSize.Get % 20_000 + 1;
        var dev = new MemoryBlockDevice(64 * 1024);
        var r = new SlotWriter(8192).Write(dev, BootSlot.A, null, Payload(Bytes(k, k), Bytes(i, i)));
        var valid = new SlotReader(8192).Measure(dev);
        // Measured ranges: header, kernel extent, initramfs extent.
        var ranges = new[] { (0L, 4096L), (r.Header.KernelOffset, (long)k), (r.Header.InitramfsOffset, (long)i) };
        var total = ranges.Sum(x => x.Item2);
        var pick = where.Get % total;
        var offset = 0L;
        foreach (var (start, len) in ranges) { if (pick < len) { offset = start + pick; break; } pick -= len; }
        var raw = dev.Bytes.ToArray();
        var flip = mask == 0 ? (byte)1 : mask;
        raw[offset] ^= flip;
        var m = new SlotReader(8192).Measure(new MemoryBlockDevice(raw));
        return (valid.ContentDigest == r.ContentDigest && !m.IsValid && m.ContentDigest is null)
            .Label($"k={k} i={i} offset={offset} state={m.State} reason={m.Reason}");
    }
}
