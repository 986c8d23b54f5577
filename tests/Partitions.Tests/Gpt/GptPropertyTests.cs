using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Talos.Core.Errors;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;

namespace Talos.Partitions.Tests.Gpt;

public sealed class GptPropertyTests
{
    private const long DiskBytes = 2 << 20;

    /// <summary>A random valid table from <paramref name="seed"/>: 0–12 partitions in random entry slots, random extents, names, attributes.</summary>
    internal static GptTable RandomTable(int seed, int ss)
    {
        var rng = new Random(seed);
        var guids = new SeededGuidSource((ulong)seed);
        var empty = GptTable.ForDisk(DiskBytes / ss, ss, guids.Next());
        var count = rng.Next(0, 13);
        var numbers = Enumerable.Range(1, 128).OrderBy(_ => rng.Next()).Take(count).ToArray();
        var cursor = empty.FirstUsableLba;
        var parts = new List<GptPartition>();
        foreach (var n in numbers)
        {
            var room = empty.LastUsableLba - cursor + 1;
            if (room < 1) break;
            var first = cursor + rng.NextInt64(0, Math.Max(1, room / 4));
            var last = Math.Min(empty.LastUsableLba, first + rng.NextInt64(0, Math.Max(1, room / 4)));
            if (first > empty.LastUsableLba) break;
            var name = new string(Enumerable.Range(0, rng.Next(0, 37)).Select(_ => "ABCxyz-_ 09Ωé"[rng.Next(13)]).ToArray());
            parts.Add(new GptPartition(n, new Guid(Enumerable.Range(0, 16).Select(_ => (byte)rng.Next(1, 256)).ToArray()), guids.Next(), first, last, (ulong)rng.NextInt64() & 0xF000_0000_0000_0007UL, name));
            cursor = last + 1;
        }
        return empty with { Partitions = parts.OrderBy(p => p.Number).ToList() };
    }

    [Property(MaxTest = 100)]
    public Property RandomValidTablesRoundTrip(int seed, bool big)
    {
        var ss = big ? 4096 : 512;
        var t = RandomTable(seed, ss);
        var d = new MemoryBlockDevice(DiskBytes, ss);
        GptDisk.Write(d, t);
        var r = GptDisk.Read(d);
        return (r.Table.Partitions.SequenceEqual(t.Partitions) && r.Table with { Partitions = t.Partitions } == t && !r.NeedsRepair)
            .Label($"seed {seed} ss {ss}");
    }

    [Property(MaxTest = 150)]
    public Property AnySingleCorruptedGptSectorIsDetectedAndRepaired(int seed, bool big, bool backup, byte pick)
    {
        var ss = big ? 4096 : 512;
        var t = RandomTable(seed, ss);
        var d = new MemoryBlockDevice(DiskBytes, ss);
        GptDisk.Write(d, t);
        var good = d.Bytes.ToArray();
        var sectors = DiskBytes / ss;
        var area = 2 + GptTable.EntryArraySectors(128, ss); // MBR + header + array, or array + header at the end
        var lba = backup ? sectors - 1 - pick % (area - 1) : pick % area;
        var garbage = new byte[ss];
        new Random(seed ^ pick).NextBytes(garbage);
        d.Write(lba * ss, garbage);
        var r = GptDisk.Read(d);
        var detected = r.NeedsRepair;
        GptDisk.Repair(d);
        return (detected && r.Table.Partitions.SequenceEqual(t.Partitions) && d.Bytes.SequenceEqual(good))
            .Label($"seed {seed} ss {ss} lba {lba}: {string.Join("; ", r.Problems)}");
    }

    [Property(MaxTest = 200)]
    public Property RandomBytesNeverCrashTheReader(int seed, bool sealHeader)
    {
        var rng = new Random(seed);
        var bytes = new byte[rng.Next(1, 200) * 512];
        rng.NextBytes(bytes);
        if (sealHeader && bytes.Length >= 1024)
        {
            // Give the fuzzer a valid signature and CRC so the field checks behind them are exercised.
            BitConverter.TryWriteBytes(bytes.AsSpan(512), 0x5452415020494645UL);
            BitConverter.TryWriteBytes(bytes.AsSpan(520), 0x00010000u);
            BitConverter.TryWriteBytes(bytes.AsSpan(524), 92u);
            if (rng.Next(2) == 0) BitConverter.TryWriteBytes(bytes.AsSpan(512 + 24), 1UL);
            if (rng.Next(2) == 0) BitConverter.TryWriteBytes(bytes.AsSpan(512 + 84), 128u);
            if (rng.Next(2) == 0) BitConverter.TryWriteBytes(bytes.AsSpan(512 + 80), (uint)rng.Next(0, 300));
            bytes.AsSpan(528, 4).Clear();
            BitConverter.TryWriteBytes(bytes.AsSpan(528), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(512, 92)));
        }
        try
        {
            GptDisk.Read(new MemoryBlockDevice(bytes));
            return true.Label("read");
        }
        catch (TalosException e)
        {
            return (e is GptNotFoundException or GptCorruptException or DiskTooSmallException or GptPartitionOverlapException
                or GptPartitionOutOfRangeException or GptTooManyPartitionsException).Label(e.GetType().Name);
        }
        catch (ArgumentException e) when (e.Message.Contains("type GUID") || e.Message.Contains("used twice"))
        {
            return false.Label("CLR argument exception leaked from the reader: " + e.Message);
        }
    }
}
