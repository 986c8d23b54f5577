using FsCheck.Xunit;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Tests.Devices;

/// <summary>
/// <see cref="IDataExtents"/> must never call a range zero that reads non-zero or fails to read (issue #11: META's zero
/// checks skip what it calls zero). Each device is driven by random writes, forks and crashes, then every answer is
/// checked against plain reads; a few facts check that the answers are not merely "everything is data".
/// </summary>
public sealed class DataExtentsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-extents-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Walks [offset, end) by the device's answers; what it skips must read as zero, without error.</summary>
    internal static long AssertHonest(IBlockDevice dev, long offset, long end)
    {
        long skipped = 0;
        for (var at = offset; at < end;)
        {
            var found = DataExtents.TryFindData(dev, at, end, out var start, out var stop);
            var zeroEnd = found ? start : end;
            Assert.InRange(zeroEnd, at, end);
            Assert.Equal(0, zeroEnd % dev.SectorSize);
            if (zeroEnd > at)
            {
                var bytes = new byte[zeroEnd - at];
                dev.Read(at, bytes);   // a SectorReadException here fails the test: unreadable sectors are data
                Assert.True(!bytes.AsSpan().ContainsAnyExcept((byte)0), $"[{at}, {zeroEnd}) was called zero but holds data");
                skipped += bytes.Length;
            }
            if (!found) break;
            Assert.True(stop > start && stop <= end && stop % dev.SectorSize == 0, $"bad extent [{start}, {stop}) in [{at}, {end})");
            at = stop;
        }
        return skipped;
    }

    private static void AssertHonestEverywhere(IBlockDevice dev, Random rng)
    {
        var sectors = dev.Length / dev.SectorSize;
        AssertHonest(dev, 0, dev.Length);
        for (var i = 0; i < 8; i++)
        {
            var a = rng.NextInt64(sectors + 1);
            var b = rng.NextInt64(sectors + 1);
            AssertHonest(dev, Math.Min(a, b) * dev.SectorSize, Math.Max(a, b) * dev.SectorSize);
        }
    }

    private static void RandomWrites(IBlockDevice dev, Random rng, int count)
    {
        var ss = dev.SectorSize;
        var sectors = (int)(dev.Length / ss);
        for (var i = 0; i < count; i++)
        {
            var at = rng.Next(sectors);
            var n = 1 + rng.Next(Math.Min(6, sectors - at));
            var data = new byte[n * ss];
            if (rng.Next(4) != 0) data[rng.Next(data.Length)] = (byte)(1 + rng.Next(255));   // sparse: one byte, or zeros
            dev.Write((long)at * ss, data);
            if (rng.Next(5) == 0) dev.Flush();
        }
    }

    private static (int Ss, long Length) Geometry(Random rng)
    {
        var ss = rng.Next(2) == 0 ? 512 : 4096;
        return (ss, (long)ss * (8 + rng.Next(ss == 512 ? 300 : 40)));   // often not a whole number of 4 KiB pages
    }

    [Property(MaxTest = 60)]
    public void Copy_on_write_devices_and_their_forks_never_hide_data(int seed)
    {
        var rng = new Random(seed);
        var (ss, length) = Geometry(rng);
        var image = new byte[length];
        if (rng.Next(2) == 0) image[rng.Next(image.Length)] = 7;   // a non-zero base page
        var devices = new List<CopyOnWriteBlockDevice> { rng.Next(2) == 0 ? new CopyOnWriteBlockDevice(length, ss) : CopyOnWriteBlockDevice.FromImage(image, ss) };
        for (var round = 0; round < 6; round++)
        {
            var d = devices[rng.Next(devices.Count)];
            RandomWrites(d, rng, 4);
            if (rng.Next(2) == 0) devices.Add(d.Fork());
        }
        foreach (var d in devices) AssertHonestEverywhere(d, rng);
    }

    [Property(MaxTest = 60)]
    public void Sub_devices_and_read_only_views_answer_for_their_own_range(int seed)
    {
        var rng = new Random(seed);
        var (ss, length) = Geometry(rng);
        IBlockDevice parent = rng.Next(2) == 0 ? new CopyOnWriteBlockDevice(length, ss) : new MemoryBlockDevice(length, ss);
        RandomWrites(parent, rng, 10);
        var sectors = length / ss;
        var start = rng.NextInt64(sectors);
        var sub = new SubDevice(parent, start * ss, (1 + rng.NextInt64(sectors - start)) * ss);
        AssertHonestEverywhere(sub, rng);
        AssertHonestEverywhere(new ReadOnlyBlockDevice(sub), rng);
    }

    [Property(MaxTest = 60)]
    public void Crashed_disks_report_pending_misdirected_torn_and_unreadable_sectors(int seed)
    {
        var rng = new Random(seed);
        var (ss, length) = Geometry(rng);
        var sim = new PowerLossSimulator(rng.Next(2) == 0 ? new CopyOnWriteBlockDevice(length, ss) : new MemoryBlockDevice(length, ss));
        for (var generation = 0; generation < 3; generation++)
        {
            RandomWrites(sim, rng, 12);
            AssertHonestEverywhere(sim, rng);
            var model = (rng.Next(3) switch { 0 => CrashModel.Default, 1 => CrashModel.Harsh, _ => CrashModel.KeepAll }) with
            {
                UnreadableSectors = rng.Next(2) == 0 ? [rng.NextInt64(length / ss)] : [],
                ReadErrorsInPendingWrites = rng.Next(3),
            };
            var crashed = sim.Crash((ulong)rng.NextInt64(), model);
            AssertHonestEverywhere(crashed, rng);
            sim = new PowerLossSimulator(crashed);   // the next boot: latent errors carry over, writes heal them
        }
    }

    [Property(MaxTest = 25)]
    public void Image_files_report_every_written_byte_flushed_or_not(int seed)
    {
        var rng = new Random(seed);
        var (ss, length) = Geometry(rng);
        var path = Path.Combine(_dir, $"d{seed}-{rng.Next()}.img");
        using (var file = FileBlockDevice.Create(path, length * 4, ss))
        {
            RandomWrites(file, rng, 10);
            AssertHonestEverywhere(file, rng);
        }
        File.Delete(path);
    }

    [Fact]
    public void Never_written_pages_are_skipped_and_unreadable_sectors_are_not()
    {
        var cow = new CopyOnWriteBlockDevice(1 << 20);
        cow.Write(512 * 1024, new byte[512]);
        Assert.True(DataExtents.TryFindData(cow, 0, cow.Length, out var s, out var e));
        Assert.Equal((512L * 1024, 512L * 1024 + 4096), (s, e));
        Assert.False(DataExtents.TryFindData(cow, e, cow.Length, out _, out _));
        Assert.Equal(cow.Length - 4096, AssertHonest(cow, 0, cow.Length));

        var sim = new PowerLossSimulator(cow.Fork());
        var crashed = sim.Crash(1, CrashModel.DropAll with { UnreadableSectors = [100] });
        Assert.True(DataExtents.TryFindData(crashed, 0, crashed.Length, out s, out e));
        Assert.Equal((100L * 512, 101L * 512), (s, e));
        Assert.Throws<SectorReadException>(() => crashed.Read(s, new byte[512]));
    }

    [Fact]
    public void Zeroing_a_whole_page_gives_it_back_but_never_changes_a_fork()
    {
        var cow = new CopyOnWriteBlockDevice(64 * 1024);
        var ones = Enumerable.Repeat((byte)1, 8192).ToArray();
        cow.Write(4096, ones);
        var fork = cow.Fork();
        cow.Write(0, new byte[16384]);   // pages 0-3 zero: 1 and 2 were written, now they are not
        Assert.Equal(0, cow.WrittenPages);
        Assert.False(DataExtents.TryFindData(cow, 0, cow.Length, out _, out _));
        Assert.Equal(new byte[cow.Length], cow.ToArray());
        Assert.Equal(ones, fork.ToArray().AsSpan(4096, 8192).ToArray());
        cow.Write(4096, new byte[512]);   // a partial page of zeros is an ordinary write
        Assert.Equal(1, cow.WrittenPages);
        var based = CopyOnWriteBlockDevice.FromImage(Enumerable.Repeat((byte)9, 8192).ToArray());
        based.Write(0, new byte[4096]);   // over a non-zero base the zeros must be kept
        Assert.Equal(new byte[4096], based.ToArray().AsSpan(0, 4096).ToArray());
        Assert.Equal(1, based.WrittenPages);
    }

    [Fact]
    public void Holes_of_a_sparse_image_file_are_skipped()
    {
        var path = Path.Combine(_dir, "sparse.img");
        using var file = FileBlockDevice.Create(path, 8L << 20);
        var data = new byte[4096];
        data[10] = 1;
        file.Write(4L << 20, data);   // not flushed: the kernel still counts it as data
        Assert.True(file.TryFindData(0, file.Length, out var s, out var e));
        Assert.True(s <= 4L << 20 && e >= (4L << 20) + 4096, $"extent [{s}, {e}) misses the written block");
        if (OperatingSystem.IsLinux()) Assert.True(AssertHonest(file, 0, file.Length) >= 4L << 20, "no hole was skipped");
    }
}
