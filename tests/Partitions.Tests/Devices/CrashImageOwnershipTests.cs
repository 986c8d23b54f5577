using Talos.Partitions.Devices;

namespace Talos.Partitions.Tests.Devices;

/// <summary>
/// Crash images are handed to their <see cref="CrashedDisk"/> without a copy (MemoryBlockDevice.Adopt): each crash
/// state must still own its bytes, so writing to one never shows in another, in the simulator or in the original.
/// </summary>
public sealed class CrashImageOwnershipTests
{
    private const int Ss = 512;

    [Fact]
    public void Writes_to_one_crash_image_do_not_reach_another_or_the_simulator()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(16 * Ss));
        sim.Write(0, Enumerable.Repeat((byte)0x11, Ss).ToArray());
        sim.Flush();
        sim.Write(Ss, Enumerable.Repeat((byte)0x22, Ss).ToArray());
        var a = sim.Crash(1, CrashModel.KeepAll);
        var b = sim.Crash(1, CrashModel.KeepAll);
        a.Write(0, Enumerable.Repeat((byte)0x99, Ss).ToArray());
        var buf = new byte[Ss];
        b.Read(0, buf);
        Assert.All(buf, x => Assert.Equal(0x11, x));
        sim.Read(0, buf);
        Assert.All(buf, x => Assert.Equal(0x11, x));
        a.Read(0, buf);
        Assert.All(buf, x => Assert.Equal(0x99, x));
        b.Read(Ss, buf);
        Assert.All(buf, x => Assert.Equal(0x22, x));
    }

    [Fact]
    public void Every_keep_drop_combination_owns_its_image()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(8 * Ss));
        sim.Write(0, Enumerable.Repeat((byte)0x33, Ss).ToArray());
        var disks = sim.EveryKeepDropCombination().ToList();
        Assert.Equal(2, disks.Count);
        disks[0].Write(0, Enumerable.Repeat((byte)0x44, Ss).ToArray());
        Assert.Equal(0x33, disks[1].Image.Bytes[0]);
        Assert.Equal(0x44, disks[0].Image.Bytes[0]);
    }
}
