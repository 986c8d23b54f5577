using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Tests.Devices;

public sealed class PowerLossSimulatorTests
{
    private const int Ss = 512;

    private static byte[] Fill(int sectors, byte value) => Enumerable.Repeat(value, sectors * Ss).ToArray();

    private static byte[] Sector(CrashedDisk d, long sector)
    {
        var b = new byte[Ss];
        d.Image.Read(sector * Ss, b);
        return b;
    }

    [Fact]
    public void FlushedDataSurvivesEveryCrashOverManySeeds()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(64 * Ss));
        sim.Write(0, Fill(8, 0xAA));
        sim.Flush();
        sim.Write(16 * Ss, Fill(8, 0xBB));
        sim.Write(4 * Ss, Fill(2, 0xCC)); // overwrites flushed data: the old bytes must be the flushed ones
        for (ulong seed = 0; seed < 300; seed++)
        {
            var disk = sim.Crash(seed, CrashModel.Default);
            for (var s = 0; s < 8; s++)
            {
                var sec = Sector(disk, s);
                var ok = sec.All(b => b == 0xAA) || (s is 4 or 5 && (sec.All(b => b == 0xCC) || disk.Outcomes[1].GarbageSector == s));
                Assert.True(ok, $"sector {s} lost flushed data; {disk}");
            }
        }
    }

    [Fact]
    public void DropAllGivesTheLastFlushAndKeepAllGivesTheCurrentContent()
    {
        var inner = new MemoryBlockDevice(32 * Ss);
        var sim = new PowerLossSimulator(inner);
        sim.Write(0, Fill(4, 1));
        sim.Flush();
        var flushed = inner.Bytes.ToArray();
        sim.Write(0, Fill(2, 2));
        sim.Write(10 * Ss, Fill(3, 3));
        Assert.Equal(2, sim.PendingWriteCount);
        Assert.Equal(flushed, sim.Crash(7, CrashModel.DropAll).Image.Bytes.ToArray());
        Assert.Equal(inner.Bytes.ToArray(), sim.Crash(7, CrashModel.KeepAll).Image.Bytes.ToArray());
        sim.Flush();
        Assert.Equal(0, sim.PendingWriteCount);
        Assert.Equal(inner.Bytes.ToArray(), sim.Crash(7, CrashModel.DropAll).Image.Bytes.ToArray());
    }

    [Fact]
    public void TheSameSeedGivesTheSameDiskAndSeedsDiffer()
    {
        var sim = Scenario();
        var images = new HashSet<string>();
        for (ulong seed = 0; seed < 64; seed++)
        {
            var a = sim.Crash(seed, CrashModel.Harsh);
            var b = sim.Crash(seed, CrashModel.Harsh);
            Assert.Equal(a.Image.Bytes.ToArray(), b.Image.Bytes.ToArray());
            Assert.Equal(a.Outcomes, b.Outcomes);
            images.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(a.Image.Bytes)));
        }
        Assert.True(images.Count > 20, $"only {images.Count} distinct disks from 64 seeds");
    }

    [Fact]
    public void EveryKeepDropCombinationOfTwoSingleSectorWritesShowsUp()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(8 * Ss));
        sim.Write(1 * Ss, Fill(1, 0x11));
        sim.Write(2 * Ss, Fill(1, 0x22));
        var model = new CrashModel { KeepProbability = 0.5, TearProbability = 0 };
        var seen = new HashSet<(bool, bool)>();
        for (ulong seed = 0; seed < 200; seed++)
        {
            var d = sim.Crash(seed, model);
            var first = Sector(d, 1); var second = Sector(d, 2);
            Assert.True(first.All(b => b == 0x11) || first.All(b => b == 0));
            Assert.True(second.All(b => b == 0x22) || second.All(b => b == 0));
            seen.Add((first[0] == 0x11, second[0] == 0x22));
        }
        Assert.Equal(4, seen.Count);
    }

    [Fact]
    public void TornWritesAreLeftRightAndScatteredAndEverySectorIsOldOrNew()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(16 * Ss));
        sim.Write(4 * Ss, Fill(6, 0x77));
        var model = new CrashModel { KeepProbability = 0, TearProbability = 1 };
        var shapes = new HashSet<string>();
        for (ulong seed = 0; seed < 300; seed++)
        {
            var d = sim.Crash(seed, model);
            var o = Assert.Single(d.Outcomes);
            Assert.Equal(WriteFate.Torn, o.Fate);
            Assert.InRange(o.NewSectors, 1, 5);
            var bits = string.Concat(Enumerable.Range(0, 6).Select(i => Sector(d, 4 + i)[0] == 0x77 ? '1' : '0'));
            Assert.Equal(o.NewSectorMask, Convert.ToUInt64(new string(bits.Reverse().ToArray()), 2));
            for (var i = 0; i < 6; i++) Assert.True(Sector(d, 4 + i).All(b => b == 0x77) || Sector(d, 4 + i).All(b => b == 0));
            shapes.Add(bits);
        }
        Assert.Contains(shapes, s => s.TrimEnd('0').All(c => c == '1') && s.Contains('0')); // left
        Assert.Contains(shapes, s => s.TrimStart('0').All(c => c == '1') && s.Contains('0')); // right
        Assert.Contains(shapes, s => s.Trim('0').Contains('0')); // scattered
    }

    [Fact]
    public void TornWriteWithGarbageReportsTheGarbageSector()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(16 * Ss));
        sim.Write(2 * Ss, Fill(1, 0x55));
        var model = new CrashModel { KeepProbability = 0, TearProbability = 1, TornSectorGarbage = true };
        var d = sim.Crash(3, model);
        var o = Assert.Single(d.Outcomes);
        Assert.Equal(2, o.GarbageSector);
        var g = Sector(d, 2);
        Assert.False(g.All(b => b == 0x55) || g.All(b => b == 0), "garbage sector equals old or new data");
    }

    [Fact]
    public void OneMisdirectedWriteLandsElsewhereAndLeavesItsRangeOld()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(32 * Ss));
        sim.Write(8 * Ss, Fill(2, 0x99));
        var d = sim.Crash(11, CrashModel.Harsh);
        var o = Assert.Single(d.Outcomes);
        Assert.Equal(WriteFate.Misdirected, o.Fate);
        Assert.NotEqual(8 * Ss, o.MisdirectedTo);
        Assert.All(Sector(d, o.MisdirectedTo!.Value / Ss), b => Assert.Equal(0x99, b));
        var untouched = Enumerable.Range(8, 2).Where(s => Math.Abs(s * Ss - o.MisdirectedTo.Value) >= 2 * Ss);
        foreach (var s in untouched) Assert.All(Sector(d, s), b => Assert.Equal(0, b));
    }

    [Fact]
    public void UnreadableSectorsThrowUntilRewritten()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(16 * Ss));
        var d = sim.Crash(1, new CrashModel { UnreadableSectors = [5] });
        var buf = new byte[4 * Ss];
        var ex = Assert.Throws<SectorReadException>(() => d.Read(4 * Ss, buf));
        Assert.Equal(5, ex.Sector);
        d.Read(0, buf); // sectors 0..3 are fine
        d.Write(5 * Ss, new byte[Ss]);
        d.Read(4 * Ss, buf);
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Crash(1, new CrashModel { UnreadableSectors = [16] }));
    }

    [Fact]
    public void CrashAtWriteStopsTheScenarioExactlyThere()
    {
        var inner = new MemoryBlockDevice(16 * Ss);
        var sim = new PowerLossSimulator(inner) { CrashAtWrite = 2 };
        sim.Write(0, Fill(1, 1));
        sim.Flush();
        sim.Write(Ss, Fill(1, 2));
        var ex = Assert.Throws<PowerLossException>(() => sim.Write(2 * Ss, Fill(1, 3)));
        Assert.Equal(2, ex.WriteIndex);
        Assert.True(sim.PowerLost);
        Assert.Equal(0, inner.Bytes[2 * Ss]); // the crashing write did not happen
        Assert.Throws<PowerLossException>(() => sim.Flush());
        Assert.Throws<PowerLossException>(() => sim.Read(0, new byte[Ss]));
        Assert.Equal(1, sim.PendingWriteCount);
        Assert.Equal(2, sim.WriteCount);
    }

    [Fact]
    public void EnumerateCrashPointsVisitsEveryWriteAndFlush()
    {
        static void Run(PowerLossSimulator d)
        {
            d.Write(0, Fill(1, 1));
            d.Flush();
            d.Write(Ss, Fill(1, 2));
            d.Write(2 * Ss, Fill(1, 3));
            d.Flush();
        }
        var points = PowerLossSimulator.EnumerateCrashPoints(() => new MemoryBlockDevice(8 * Ss), Run).ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5], points.Select(p => p.Operation));
        Assert.Equal([false, false, false, false, false, true], points.Select(p => p.Completed));
        Assert.Equal([0, 1, 0, 1, 2, 0], points.Select(p => p.Simulator.PendingWriteCount));
        // At the crash during the second flush, all 4 combinations of the two pending writes are possible disks.
        var combos = points[4].Simulator.EveryKeepDropCombination().Select(d => (d.Image.Bytes[Ss], d.Image.Bytes[2 * Ss])).ToHashSet();
        Assert.Equal(new HashSet<(byte, byte)> { (0, 0), (2, 0), (0, 3), (2, 3) }, combos);
        Assert.All(points[4].Simulator.EveryKeepDropCombination(), d => Assert.Equal(1, d.Image.Bytes[0]));
    }

    [Fact]
    public void MisalignedWriteIsRefusedAndNotRecorded()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(8 * Ss));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Write(100, Fill(1, 1)));
        Assert.Equal(0, sim.PendingWriteCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Crash(0, new CrashModel { KeepProbability = 0.8, TearProbability = 0.3 }));
    }

    [Property(MaxTest = 60)]
    public Property EverySectorAfterACrashHoldsDataSomeWriteLeftThere(ulong seed, byte[][] writes)
    {
        // Each write i fills sectors with byte (i+1); flushed prefix = first half. Any sector after the crash must hold
        // 0 or the value of a write covering it, except the one garbage sector the outcome reports.
        var sim = new PowerLossSimulator(new MemoryBlockDevice(32 * Ss));
        var covering = new List<byte>[32];
        for (var s = 0; s < 32; s++) covering[s] = [0];
        var n = Math.Min(writes?.Length ?? 0, 12);
        for (var i = 0; i < n; i++)
        {
            var w = writes![i]?.Length ?? 0; var start = w % 28; var len = 1 + (w / 7) % 4;
            sim.Write(start * Ss, Fill(len, (byte)(i + 1)));
            for (var s = start; s < start + len; s++) covering[s].Add((byte)(i + 1));
            if (i == n / 2) sim.Flush();
        }
        var d = sim.Crash(seed, CrashModel.Default);
        var garbage = d.Outcomes.Where(o => o.GarbageSector.HasValue).Select(o => o.GarbageSector!.Value).ToHashSet();
        return Enumerable.Range(0, 32).All(s => garbage.Contains(s) || (Sector(d, s).Distinct().Count() == 1 && covering[s].Contains(Sector(d, s)[0])))
            .Label(d.ToString());
    }

    private static PowerLossSimulator Scenario()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(64 * Ss));
        sim.Write(0, Fill(4, 1));
        sim.Flush();
        for (var i = 0; i < 6; i++) sim.Write((8 + i * 5) * Ss, Fill(4, (byte)(10 + i)));
        return sim;
    }
}

public sealed class PowerLossSimulatorReadErrorTests
{
    [Fact]
    public void ReadErrorsLandOnlyOnSectorsThePendingWritesTouched()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(64 * 512));
        sim.Write(0, new byte[4 * 512]);
        sim.Flush();
        sim.Write(10 * 512, new byte[3 * 512]);
        sim.Write(40 * 512, new byte[2 * 512]);
        var seen = new HashSet<long>();
        for (ulong seed = 0; seed < 100; seed++)
        {
            var d = sim.Crash(seed, CrashModel.DropAll with { ReadErrorsInPendingWrites = 2 });
            Assert.Equal(2, d.UnreadableSectors.Count);
            seen.UnionWith(d.UnreadableSectors);
        }
        Assert.Equal(new HashSet<long> { 10, 11, 12, 40, 41 }, seen);
        Assert.Equal(5, sim.Crash(1, new CrashModel { ReadErrorsInPendingWrites = 9 }).UnreadableSectors.Count);
    }
}
