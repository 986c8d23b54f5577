using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using static Talos.Partitions.Tests.Meta.MetaTestKit;

namespace Talos.Partitions.Tests.Meta;

/// <summary>
/// Issue #11: the zero check after the used part of a region reads only what the device says may hold data. Recovery
/// must not notice: on every device type the same image gives the same report, a stray byte or an unreadable sector
/// far in a never-written tail is found and counted, and a device that cannot tell (plain wrapper) agrees.
/// </summary>
public sealed class MetaLogSkipsKnownZeroTests
{
    private const long Meta = 1 << 20;

    /// <summary>A crash image of a three-record log on a copy-on-write disk, plus the active region's offset.</summary>
    private static async Task<(PowerLossSimulator Sim, long RegionStart, long RegionLength)> LogAsync()
    {
        var sim = new PowerLossSimulator(new CopyOnWriteBlockDevice(Meta));
        using (var log = Open(sim)) await log.AppendAsync([Entry(1), Entry(2), Entry(3, 600)]);
        using var probe = MetaLog.OpenReadOnly(sim);
        var (start, length) = Superblock.Layout(Meta, 512);
        Assert.True(length > 256 * 1024, "the region must reach well past the 64 KiB prefix");
        return (sim, start, length);
    }

    /// <summary>Hides <see cref="IDataExtents"/>: the reference behaviour (read everything).</summary>
    private sealed class Opaque(IBlockDevice inner) : IBlockDevice
    {
        public int SectorSize => inner.SectorSize;
        public long Length => inner.Length;
        public void Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
        public void Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);
        public void Flush() => inner.Flush();
        public void Dispose() { }
    }

    private static RecoveryReport Audit(IBlockDevice d)
    {
        using var log = MetaLog.OpenReadOnly(d);
        return log.Recovery;
    }

    [Fact]
    public async Task A_stray_byte_deep_in_a_never_written_tail_is_found_on_every_device()
    {
        var (sim, start, length) = await LogAsync();
        var crashed = sim.Crash(0, CrashModel.KeepAll);
        var sector = new byte[512];
        sector[100] = 0x5A;
        crashed.Write(start + length - 4096, sector);   // far past the 64 KiB prefix, in a page nobody wrote
        var memory = new MemoryBlockDevice(crashed.Image.Bytes);
        var expect = Audit(new Opaque(memory));
        Assert.Equal(TruncationReason.TrailingData, expect.Reason);
        Assert.Equal(expect, Audit(crashed));
        Assert.Equal(expect, Audit(memory));
        Assert.Equal(expect, Audit(new SubDevice(new PowerLossSimulator(crashed), 0, Meta)));
    }

    [Fact]
    public async Task An_unreadable_sector_deep_in_a_never_written_tail_is_read_and_counted()
    {
        var (sim, start, length) = await LogAsync();
        var bad = (start + length - 8192) / 512;
        var crashed = sim.Crash(0, CrashModel.KeepAll with { UnreadableSectors = [bad] });
        Assert.True(DataExtents.TryFindData(crashed, start + 128 * 1024, start + length, out var s, out _));
        Assert.Equal(bad * 512, s);
        var report = Audit(crashed);
        Assert.Contains("1 unreadable sector(s)", report.Detail);
        Assert.Equal(report, Audit(new Opaque(crashed)));
    }

    [Fact]
    public async Task A_clean_log_on_a_copy_on_write_disk_reports_what_a_full_read_reports()
    {
        var (sim, start, length) = await LogAsync();
        var crashed = sim.Crash(0, CrashModel.KeepAll);
        var report = Audit(crashed);
        Assert.Equal(RecoveryOutcome.Clean, report.Outcome);
        Assert.Equal(report, Audit(new Opaque(crashed)));
        // Creation's zeros took no pages (but the page the region's unaligned end shares with region 1, written in part).
        Assert.False(DataExtents.TryFindData(crashed, start + 64 * 1024, (start + length) / 4096 * 4096, out _, out _));
    }
}
