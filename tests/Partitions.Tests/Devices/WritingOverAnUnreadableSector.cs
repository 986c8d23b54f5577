using Talos.Partitions.Devices;

namespace Talos.Partitions.Tests.Devices;

/// <summary>
/// Regression (issue #11): a simulator stacked on a crashed disk read the old bytes of every write, so writing over a
/// sector with a latent read error threw SectorReadException. A real disk accepts the write (and it heals the sector).
/// </summary>
public sealed class WritingOverAnUnreadableSector
{
    [Fact]
    public void The_write_succeeds_heals_the_sector_and_a_crash_that_drops_it_leaves_damage_not_old_data()
    {
        var first = new PowerLossSimulator(new MemoryBlockDevice(16 * 512));
        first.Write(5 * 512, Enumerable.Repeat((byte)7, 512).ToArray());
        first.Flush();
        var crashed = first.Crash(1, new CrashModel { UnreadableSectors = [5] });
        var next = new PowerLossSimulator(crashed);
        Assert.Throws<SectorReadException>(() => next.Read(5 * 512, new byte[512]));

        next.Write(4 * 512, Enumerable.Repeat((byte)9, 1024).ToArray());   // sectors 4 and 5
        var back = new byte[1024];
        next.Read(4 * 512, back);
        Assert.All(back, b => Assert.Equal(9, b));

        var dropped = next.Crash(2, CrashModel.DropAll);
        var sector5 = new byte[512];
        dropped.Read(5 * 512, sector5);   // readable again (the write reached the device), but the drop leaves no valid data
        Assert.All(sector5, b => Assert.Equal(0xFF, b));
        var sector4 = new byte[512];
        dropped.Read(4 * 512, sector4);
        Assert.All(sector4, b => Assert.Equal(0, b));   // a readable sector reverts to its old bytes as before
    }

    [Fact]
    public void A_second_power_loss_keeps_the_latent_errors_it_did_not_rewrite()
    {
        // Regression (simulation soak, seed > 64): taking the crash image read the unreadable sector and threw.
        var first = new PowerLossSimulator(new MemoryBlockDevice(16 * 512));
        first.Write(5 * 512, Enumerable.Repeat((byte)7, 512).ToArray());
        first.Flush();
        var next = new PowerLossSimulator(first.Crash(1, new CrashModel { UnreadableSectors = [5, 9] }));
        next.Write(9 * 512, Enumerable.Repeat((byte)3, 512).ToArray());   // remaps sector 9, still pending
        foreach (var model in new[] { CrashModel.DropAll, CrashModel.KeepAll, CrashModel.Default })
        {
            var again = next.Crash(3, model);
            Assert.Equal([5L], again.UnreadableSectors.Order());
            Assert.Throws<SectorReadException>(() => again.Read(5 * 512, new byte[512]));
            again.Read(9 * 512, new byte[512]);
            var raw = new byte[512];
            again.Image.Read(5 * 512, raw);
            Assert.All(raw, b => Assert.Equal(7, b));   // the medium still holds the old bytes under the error
        }
        // Every keep/drop combination too.
        Assert.All(next.EveryKeepDropCombination(), d => Assert.Equal([5L], d.UnreadableSectors.Order()));
    }
}
