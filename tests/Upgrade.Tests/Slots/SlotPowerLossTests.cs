using Talos.Partitions.Devices;
using Talos.Upgrade.Slots;
using Talos.Upgrade.Tests.Support;
using static Talos.Upgrade.Tests.Slots.SlotFixtures;

namespace Talos.Upgrade.Tests.Slots;

/// <summary>Invariants 1 and 3 for the slot writer: a crash at any operation leaves the old image, the new one, or a slot that is never booted.</summary>
public sealed class SlotPowerLossTests
{
    [Theory]
    [InlineData(512, 1)]
    [InlineData(512, 2)]
    [InlineData(4096, 3)]
    public void Crash_at_every_operation_leaves_old_new_or_unbootable(int sectorSize, int seed)
    {
        var writer = new SlotWriter(chunkSize: 8192);
        var reader = new SlotReader(chunkSize: 8192);
        var media = new MemoryBlockDevice(256 * 1024, sectorSize);
        var oldDigest = writer.Write(media, BootSlot.B, null, Payload(Bytes(20_000, 1), Bytes(30_000, 2), "v1.8.0")).ContentDigest;
        var pristine = media.Bytes.ToArray();
        var next = Payload(Bytes(25_000, 3), Bytes(33_000, 4), "v1.9.0");
        var newDigest = new SlotWriter(8192).Write(new MemoryBlockDevice(pristine, sectorSize), BootSlot.B, BootSlot.A, next).ContentDigest;

        var outcomes = new HashSet<string>();
        for (var crashAt = 0; ; crashAt++)
        {
            var disk = new MemoryBlockDevice(pristine, sectorSize);
            var dev = new PowerLossDevice(disk, crashAt, seed * 1000 + crashAt);
            try { writer.Write(dev, BootSlot.B, BootSlot.A, next); }
            catch (PowerLostException) { }
            var m = reader.Measure(disk);
            if (m.IsValid) Assert.True(m.ContentDigest == oldDigest || m.ContentDigest == newDigest, $"crashAt={crashAt}: valid slot with unknown digest {m.ContentDigest}");
            outcomes.Add(m.IsValid ? (m.ContentDigest == oldDigest ? "old" : "new") : m.State.ToString());
            if (!dev.Crashed) { Assert.Equal(newDigest, m.ContentDigest); break; }
        }
        Assert.Contains("Empty", outcomes); // the interrupted window is observable, and it is never bootable
        Assert.Contains("new", outcomes);
    }
}
