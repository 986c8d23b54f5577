using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Tests.Gpt;

/// <summary>A table update interrupted by power loss at any write, in any allowed way, reads back as the old or the new table.</summary>
public sealed class GptCrashTests
{
    private static (MemoryBlockDevice Disk, GptTable Old, GptTable New) Setup()
    {
        var old = GptTestData.Small();
        var disk = GptTestData.Disk(old);
        var @new = old with { Partitions = [old.Partitions[0], old.Partitions[1] with { LastLba = old.LastUsableLba, Name = "DATA-GROWN" }] };
        return (disk, old, @new);
    }

    private static void AssertOldOrNew(IBlockDevice crashed, GptTable old, GptTable @new, string context)
    {
        var got = GptDisk.Read(crashed).Table.Partitions;
        Assert.True(got.SequenceEqual(old.Partitions) || got.SequenceEqual(@new.Partitions), $"mixed table after {context}");
    }

    [Fact]
    public void EveryCrashPointAndEveryKeepDropCombinationGivesOldOrNew()
    {
        var (disk, old, @new) = Setup();
        var image = disk.Bytes.ToArray();
        var points = PowerLossSimulator.EnumerateCrashPoints(() => new MemoryBlockDevice(image), d => GptDisk.Write(d, @new)).ToList();
        Assert.Equal(8, points.Count); // 5 writes + 2 flushes + the completed run
        var sawOld = false; var sawNew = false;
        foreach (var point in points)
            foreach (var crashed in point.Simulator.EveryKeepDropCombination())
            {
                AssertOldOrNew(crashed, old, @new, $"operation {point.Operation}, {crashed}");
                var isNew = GptDisk.Read(crashed).Table.Partitions.SequenceEqual(@new.Partitions);
                sawOld |= !isNew; sawNew |= isNew;
            }
        Assert.True(sawOld && sawNew);
    }

    [Fact]
    public void TornAndGarbageWritesAtEveryCrashPointGiveOldOrNewAndRepairConverges()
    {
        var (disk, old, @new) = Setup();
        var image = disk.Bytes.ToArray();
        foreach (var point in PowerLossSimulator.EnumerateCrashPoints(() => new MemoryBlockDevice(image), d => GptDisk.Write(d, @new)))
            for (ulong seed = 0; seed < 40; seed++)
            {
                var crashed = point.Simulator.Crash(seed, CrashModel.Default);
                AssertOldOrNew(crashed, old, @new, $"operation {point.Operation}, {crashed}");
                GptDisk.Repair(crashed);
                Assert.False(GptDisk.Read(crashed).NeedsRepair, $"--seed {seed} op {point.Operation}");
            }
    }
}
