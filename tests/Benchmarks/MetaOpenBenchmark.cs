using System.Diagnostics;
using System.Security.Cryptography;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;

namespace Talos.Benchmarks;

/// <summary>
/// "meta-open" (issue #11): opens of a META log of N records, read-only (the audit path the simulation's invariant
/// checks take) and read-write (power-on), on a memory device and on a real file. Baseline, same run: reading the
/// used bytes of the active region with one read plus one SHA-256 over them (the least any verifying open must do).
/// </summary>
public sealed class MetaOpenBenchmark : IBenchmark
{
    /// <summary>A Talos-sized META partition: 2 superblock sectors + two 2 MiB regions (rounded up).</summary>
    private const long PartitionBytes = 4L * 1024 * 1024 + 64 * 1024;

    /// <inheritdoc />
    public string Name => "meta-open";

    /// <inheritdoc />
    public async Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct)
    {
        var rows = new List<BenchResult>();
        foreach (var n in new[] { 16, 256, 2048 })
        {
            rows.Add(Measure($"meta-open {n} records, simulated disk", await SimulatedDiskAsync(n)));
            if (n < 256) continue;
            var mem = new MemoryBlockDevice(PartitionBytes);
            await FillAsync(mem, n);
            rows.Add(Measure($"meta-open {n} records, memory", mem));
            var path = MetaBench.FreshPath(workDir, $"meta-open-{n}.img");
            using (var file = FileBlockDevice.Create(path, PartitionBytes))
            {
                await FillAsync(file, n);
                rows.Add(Measure($"meta-open {n} records, file", file));
            }
            File.Delete(path);
        }
        rows.Add(HashPerFrame(200));
        return rows;
    }

    /// <summary>
    /// The simulation's stack (tests/Simulation SimNode): META as a partition of a crash image of a copy-on-write disk,
    /// under a power-loss simulator; the disk is larger than META, as there.
    /// </summary>
    private static async Task<IBlockDevice> SimulatedDiskAsync(int n)
    {
        const long metaStart = 1L << 20;
        var live = new PowerLossSimulator(new CopyOnWriteBlockDevice(12L << 20));
        await FillAsync(new SubDevice(live, metaStart, PartitionBytes), n);
        var crashed = live.Crash(1, CrashModel.KeepAll);
        return new SubDevice(new PowerLossSimulator(crashed), metaStart, PartitionBytes);
    }

    private static async Task FillAsync(IBlockDevice dev, int n)
    {
        using var log = MetaLog.Open(dev, new MetaLogOptions(), TimeProvider.System);
        const int batch = 64;
        for (var i = 0; i < n; i += batch)
            await log.AppendAsync([.. Enumerable.Range(i, Math.Min(batch, n - i)).Select(j => new LogEntry((ushort)(j % 100 + 1), new byte[128 + j % 128]))]);
        if (log.LastSequence != (ulong)n) throw new InvalidOperationException($"filled {log.LastSequence} records, wanted {n}");
    }

    private static BenchResult Measure(string what, IBlockDevice dev)
    {
        long used;
        using (var probe = MetaLog.OpenReadOnly(dev)) used = probe.RegionBytesUsed;
        var regionStart = FindActiveRegionStart(dev, used);
        var ro = Rate(() => { using var log = MetaLog.OpenReadOnly(dev); });
        var rw = Rate(() => { using var log = MetaLog.Open(dev, new MetaLogOptions(), TimeProvider.System); });
        var buf = new byte[used];
        var hash = new byte[32];
        var limit = Rate(() =>
        {
            dev.Read(regionStart, buf);
            SHA256.HashData(buf, hash);
        });
        var ours = $"read-only {ro:N0}/s ({1e6 / ro:F1} µs), read-write {rw:N0}/s ({1e6 / rw:F1} µs)";
        return new BenchResult(what, ours, $"read {used / 1024} KiB + one SHA-256: {limit:N0}/s ({1e6 / limit:F1} µs)", ro / limit, "(report)", true);
    }

    /// <summary>
    /// The chain's per-record cost on its own (the choice in RegionScanner.HashRange): SHA-256 of a small frame with a
    /// reused IncrementalHash against the one-shot SHA256.HashData; baseline = CRC-32C of the same bytes.
    /// </summary>
    private static BenchResult HashPerFrame(int bytes)
    {
        const int batch = 1000;
        var frame = new byte[bytes];
        new Random(1).NextBytes(frame);
        var hash = new byte[32];
        using var inc = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var reused = Rate(() =>
        {
            for (var i = 0; i < batch; i++) { inc.AppendData(frame); inc.GetHashAndReset(hash); }
        }) * batch;
        var oneShot = Rate(() =>
        {
            for (var i = 0; i < batch; i++) SHA256.HashData(frame, hash);
        }) * batch;
        uint sink = 0;
        var crc = Rate(() =>
        {
            for (var i = 0; i < batch; i++) sink ^= Crc32C.Compute(frame);
        }) * batch;
        GC.KeepAlive(sink);
        return new BenchResult($"SHA-256 of one {bytes}-byte frame", $"IncrementalHash reused {1e9 / reused:F0} ns, SHA256.HashData {1e9 / oneShot:F0} ns",
            $"CRC-32C of the same bytes {1e9 / crc:F0} ns", oneShot / reused, "(report)", true);
    }

    // The region layout is internal; the log's first region starts after the superblock area, which the read-only
    // open's RegionBytesUsed does not tell. Reading from the first byte after the superblocks costs the same bytes.
    private static long FindActiveRegionStart(IBlockDevice dev, long used) => Math.Min(64 * 1024, dev.Length - used) / dev.SectorSize * dev.SectorSize;

    /// <summary>Operations per second: warm up for 0.5 s (tiered JIT reaches tier 1), then run for about 1.5 s.</summary>
    private static double Rate(Action op)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 500) op();
        var sw = Stopwatch.StartNew();
        long count = 0;
        while (sw.ElapsedMilliseconds < 1500)
        {
            for (var i = 0; i < 10; i++) op();
            count += 10;
        }
        return count / sw.Elapsed.TotalSeconds;
    }
}
