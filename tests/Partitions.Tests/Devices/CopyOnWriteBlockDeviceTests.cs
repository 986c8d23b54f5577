using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Tests.Devices;

/// <summary>
/// The copy-on-write device must be indistinguishable from a <see cref="MemoryBlockDevice"/> (content, checks) and its
/// forks must never share a write; a power-loss simulator over it must give byte for byte the crash images it gives
/// over a memory device (the simulation relies on that for its determinism and its crash-state coverage).
/// </summary>
public sealed class CopyOnWriteBlockDeviceTests
{
    private const int Ss = 512;

    private static byte[] Fill(int sectors, byte value) => Enumerable.Repeat(value, sectors * Ss).ToArray();

    [Property(MaxTest = 60)]
    public void Random_writes_and_forks_read_back_like_a_memory_device(int seed)
    {
        var rng = new Random(seed);
        const int sectors = 40;   // 20 KiB: five pages, the last writes straddle page boundaries
        var cow = new CopyOnWriteBlockDevice(sectors * Ss);
        var mem = new MemoryBlockDevice(sectors * Ss);
        var forks = new List<(CopyOnWriteBlockDevice Cow, byte[] Expect)>();
        for (var i = 0; i < 30; i++)
        {
            var at = rng.Next(sectors);
            var n = 1 + rng.Next(Math.Min(12, sectors - at));
            var data = new byte[n * Ss];
            rng.NextBytes(data);
            cow.Write((long)at * Ss, data);
            mem.Write((long)at * Ss, data);
            if (rng.Next(4) == 0) forks.Add((cow.Fork(), mem.Bytes.ToArray()));
        }
        Assert.Equal(mem.Bytes.ToArray(), cow.ToArray());
        foreach (var (fork, expect) in forks) Assert.Equal(expect, fork.ToArray());   // later parent writes never reached a fork
    }

    [Fact]
    public void A_fork_and_its_parent_never_see_each_others_writes()
    {
        var parent = new CopyOnWriteBlockDevice(16 * Ss);
        parent.Write(0, Fill(8, 0x11));   // one whole page
        var child = parent.Fork();
        child.Write(Ss, Fill(1, 0x22));
        parent.Write(2 * Ss, Fill(1, 0x33));
        var grandchild = child.Fork();
        child.Write(0, Fill(1, 0x44));
        var b = new byte[Ss];
        parent.Read(Ss, b);
        Assert.All(b, x => Assert.Equal(0x11, x));
        child.Read(2 * Ss, b);
        Assert.All(b, x => Assert.Equal(0x11, x));
        grandchild.Read(0, b);
        Assert.All(b, x => Assert.Equal(0x11, x));
        grandchild.Read(Ss, b);
        Assert.All(b, x => Assert.Equal(0x22, x));
        child.Read(0, b);
        Assert.All(b, x => Assert.Equal(0x44, x));
    }

    [Fact]
    public void Unwritten_pages_read_as_zeros_or_the_base_image_and_take_no_memory()
    {
        var zero = new CopyOnWriteBlockDevice(1 << 20);
        var b = new byte[3 * Ss];
        zero.Read(5 * Ss, b);
        Assert.All(b, x => Assert.Equal(0, x));
        Assert.Equal(0, zero.WrittenPages);
        var image = Enumerable.Range(0, 16 * Ss).Select(i => (byte)i).ToArray();
        var based = CopyOnWriteBlockDevice.FromImage(image);
        image[0] = 0xFF;   // the device took a copy
        Assert.Equal(Enumerable.Range(0, 16 * Ss).Select(i => (byte)i).ToArray(), based.ToArray());
    }

    [Fact]
    public void Bad_offsets_and_lengths_are_refused_like_a_memory_device()
    {
        var cow = new CopyOnWriteBlockDevice(8 * Ss);
        Assert.Throws<ArgumentOutOfRangeException>(() => cow.Write(1, new byte[Ss]));
        Assert.Throws<ArgumentOutOfRangeException>(() => cow.Write(0, new byte[Ss + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => cow.Read(8 * Ss, new byte[Ss]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CopyOnWriteBlockDevice(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CopyOnWriteBlockDevice(4096, sectorSize: 1024));
        Assert.Equal(0, cow.WrittenPages);   // nothing was written by the refused calls
    }

    /// <summary>The same writes and flushes over both devices; every crash (all models, many seeds) must give the same disk and outcomes.</summary>
    [Property(MaxTest = 25)]
    public void Crash_images_over_copy_on_write_equal_those_over_a_memory_device(int seed)
    {
        var rng = new Random(seed);
        var overCow = new PowerLossSimulator(new CopyOnWriteBlockDevice(64 * Ss));
        var overMem = new PowerLossSimulator(new MemoryBlockDevice(64 * Ss));
        for (var i = 0; i < 12; i++)
        {
            if (rng.Next(5) == 0) { overCow.Flush(); overMem.Flush(); continue; }
            var at = rng.Next(60);
            var data = new byte[(1 + rng.Next(4)) * Ss];
            rng.NextBytes(data);
            overCow.Write((long)at * Ss, data);
            overMem.Write((long)at * Ss, data);
        }
        var models = new[] { CrashModel.Default, CrashModel.DropAll, CrashModel.KeepAll, CrashModel.Harsh, new CrashModel { TornSectorGarbage = true, ReadErrorsInPendingWrites = 2 } };
        foreach (var model in models)
            for (ulong s = 0; s < 6; s++)
            {
                var a = overCow.Crash(s, model);
                var b = overMem.Crash(s, model);
                Assert.Equal(b.Outcomes, a.Outcomes);
                Assert.Equal(b.UnreadableSectors.Order(), a.UnreadableSectors.Order());
                Assert.Equal(b.Image.Bytes.ToArray(), a.Image.Bytes.ToArray());
                // A second generation (crash of a simulator over the crashed disk) stays identical too.
                var a2 = new PowerLossSimulator(overCow.Crash(s, CrashModel.Default));
                var b2 = new PowerLossSimulator(overMem.Crash(s, CrashModel.Default));
                a2.Write(8 * Ss, Fill(2, 0x5A));
                b2.Write(8 * Ss, Fill(2, 0x5A));
                Assert.Equal(b2.Crash(s + 1, CrashModel.Harsh).Image.Bytes.ToArray(), a2.Crash(s + 1, CrashModel.Harsh).Image.Bytes.ToArray());
            }
    }

    [Fact]
    public void A_crash_image_over_copy_on_write_is_private_and_its_two_views_agree()
    {
        var sim = new PowerLossSimulator(new CopyOnWriteBlockDevice(16 * Ss));
        sim.Write(0, Fill(1, 0x11));
        sim.Flush();
        sim.Write(Ss, Fill(1, 0x22));
        var a = sim.Crash(1, CrashModel.KeepAll);
        var b = sim.Crash(1, CrashModel.DropAll);
        a.Write(0, Fill(1, 0x99));
        sim.Write(2 * Ss, Fill(1, 0x77));   // the live simulator goes on writing: no crash image may see it
        var buf = new byte[Ss];
        b.Read(0, buf);
        Assert.All(buf, x => Assert.Equal(0x11, x));
        b.Read(Ss, buf);
        Assert.All(buf, x => Assert.Equal(0, x));
        Assert.Equal(0x99, a.Image.Bytes[0]);   // the memory view holds the write made before it was asked for
        a.Write(Ss, Fill(1, 0x66));             // and a write after it shows in both views
        a.Read(Ss, buf);
        Assert.All(buf, x => Assert.Equal(0x66, x));
        Assert.Equal(0x66, a.Image.Bytes[Ss]);
        Assert.Equal(0, a.Image.Bytes[2 * Ss]);
    }
}
