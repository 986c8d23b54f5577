using Talos.Partitions.Devices;
using Talos.Partitions.State;

namespace Talos.Partitions.Tests.State;

/// <summary>
/// Regression (issue #11, a 1,000-seed soak with read errors): an unreadable sector in one of STATE's two copies made
/// StateStore.Open throw SectorReadException, so the node failed every power-on although the other copy was intact.
/// </summary>
public sealed class StateStoreReadErrorTests
{
    private const int Size = 256 * 1024;

    /// <summary>A store written twice (both copies hold a generation), crashed with every write kept and <paramref name="unreadableSector"/> failing.</summary>
    private static CrashedDisk StoreWithUnreadable(long unreadableSector)
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(Size));
        using (var s = StateStore.Open(sim))
        {
            s.Put("config", "first"u8);    // generation 1 in one copy
            s.Put("config", "second"u8);   // generation 2 in the other
        }
        return sim.Crash(0, CrashModel.KeepAll with { UnreadableSectors = [unreadableSector] });
    }

    [Theory]
    [InlineData(0L, "second")]                   // the first copy (generation 1) lost: generation 2 is current
    [InlineData(Size / 2 / 512, "first")]        // the second copy (generation 2) lost: the store falls back to generation 1
    public void An_unreadable_copy_leaves_the_other_one_in_charge(long sector, string expected)
    {
        var disk = StoreWithUnreadable(sector);
        Assert.Throws<SectorReadException>(() => disk.Read(sector * 512, new byte[512]));   // the fault is really there

        using var store = StateStore.Open(disk);

        Assert.Equal(StateStoreStatus.Valid, store.Status);
        Assert.Contains("Unreadable", store.Detail, StringComparison.Ordinal);
        var config = store.Get("config");
        Assert.NotNull(config);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(config));
    }

    [Fact]
    public void Both_copies_unreadable_is_no_valid_slot_not_an_exception()
    {
        var sim = new PowerLossSimulator(new MemoryBlockDevice(Size));
        using (var s = StateStore.Open(sim)) { s.Put("a", "1"u8); s.Put("a", "2"u8); }
        var disk = sim.Crash(0, CrashModel.KeepAll with { UnreadableSectors = [0, Size / 2 / 512] });

        using var store = StateStore.Open(disk);

        Assert.Equal(StateStoreStatus.NoValidSlot, store.Status);
        Assert.Null(store.Get("a"));
    }
}
