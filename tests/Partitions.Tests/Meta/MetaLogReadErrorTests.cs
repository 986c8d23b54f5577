using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Regression (issue #11, found by the simulation's read-error fault): an unreadable sector in META made MetaLog.Open
/// throw SectorReadException, so the node failed every power-on. Recovery now reads such a sector as damaged bytes.
/// </summary>
public class MetaLogReadErrorTests
{
    /// <summary>A log of three records on a 1 MiB device, crashed with every write kept and <paramref name="unreadable"/> failing to read.</summary>
    private static async Task<(CrashedDisk Disk, long LastRecordSector)> CrashedLogAsync(Func<long, long[]> unreadable)
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(1 << 20));
        using (var log = Open(sim)) await log.AppendAsync([Entry(1), Entry(2), Entry(3, 600)]);
        var image = sim.Crash(0, CrashModel.KeepAll).Image;
        var bytes = new byte[image.Length];
        image.Read(0, bytes);
        // The last non-zero sector holds the end of record 3 (both superblocks are at sectors 0 and 1).
        var last = Enumerable.Range(2, bytes.Length / 512 - 2).Last(s => bytes.AsSpan(s * 512, 512).ContainsAnyExcept((byte)0));
        return (sim.Crash(0, CrashModel.KeepAll with { UnreadableSectors = unreadable(last) }), last);
    }

    [Fact]
    public async Task An_unreadable_record_sector_cuts_the_tail_like_a_torn_write_and_the_rewrite_heals_it()
    {
        var (disk, sector) = await CrashedLogAsync(last => [last]);
        Assert.Throws<SectorReadException>(() => disk.Read(sector * 512, new byte[512]));   // the fault is really there

        using (var log = Open(disk))
        {
            Assert.Equal(RecoveryOutcome.Truncated, log.Recovery.Outcome);
            Assert.Contains("1 unreadable sector(s)", log.Recovery.Detail);
            var records = log.ReadFrom(1).ToList();
            Assert.Equal([1UL, 2UL], records.Take(2).Select(r => r.Sequence));   // the records before the bad sector survive
            Assert.Equal(Entry(2).Payload.ToArray(), records[1].Payload.ToArray());
            Assert.Equal(RepairType, records[^1].EventType);                       // and the repair is recorded
            AssertChain(records);
        }
        disk.Read(sector * 512, new byte[512]);   // recovery rewrote the sector: readable again
        using var again = Open(disk);
        Assert.Equal(RecoveryOutcome.Clean, again.Recovery.Outcome);
    }

    [Fact]
    public async Task An_unreadable_superblock_copy_is_replaced_by_the_other_and_nothing_is_lost()
    {
        var (disk, _) = await CrashedLogAsync(_ => [0]);
        using var audit = MetaLog.OpenReadOnly(disk);   // the read-only audit path reads through the same recovery
        Assert.Equal([1UL, 2UL, 3UL], audit.ReadFrom(1).Select(r => r.Sequence));
        Assert.True(audit.Recovery.SuperblockRepaired || audit.Recovery.Detail.Contains("unreadable", StringComparison.Ordinal), audit.Recovery.Detail);
        using var log = Open(disk);
        Assert.Equal([1UL, 2UL, 3UL], log.ReadFrom(1).Select(r => r.Sequence));
    }
}
