using System.IO.Hashing;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Gpt;

/// <summary>
/// Reads, validates, writes and repairs the GPT of a block device (format: specs/formats/gpt.md, issue #3).
/// <see cref="Read"/> never writes. <see cref="Write"/> writes MBR, primary array and header, flushes, then backup
/// array and header, and flushes again: a crash leaves at least one intact copy of either the old or the new table,
/// and <see cref="Read"/> prefers an intact primary, so the result is always the old or the new table.
/// </summary>
public static class GptDisk
{
    /// <summary>
    /// Largest entry array accepted (1024 entries = 128 KiB); a hostile header cannot make the reader allocate more.
    /// </summary>
    public const int MaxEntryCount = 1024;

    /// <summary>
    /// Reads the GPT, falling back to the backup when the primary is damaged (and reporting it). Throws
    /// <see cref="DiskTooSmallException"/>, <see cref="GptNotFoundException"/>, <see cref="GptCorruptException"/>,
    /// <see cref="GptPartitionOverlapException"/>, <see cref="GptPartitionOutOfRangeException"/> or
    /// <see cref="GptTooManyPartitionsException"/>.
    /// </summary>
    public static GptReadResult Read(IBlockDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var ss = device.SectorSize;
        var sectors = device.Length / ss;
        var min = GptTable.MinimumSectors(GptTable.StandardEntryCount, ss);
        if (sectors < min) throw new DiskTooSmallException(device.Length, min * ss, "a GPT with a standard 128-entry array");
        var problems = new List<string>();
        var mbr = new byte[ss];
        device.Read(0, mbr);
        var mbrValid = GptFormat.IsProtectiveMbr(mbr);
        if (!mbrValid) problems.Add("protective MBR missing or invalid");

        var pProblems = new List<string>();
        var primary = ReadCopy(device, 1, isPrimary: true, pProblems);
        var backupLba = primary?.Header.AlternateLba is { } alt && alt > 1 && alt < sectors ? alt : sectors - 1;
        var bProblems = new List<string>();
        var backup = ReadCopy(device, backupLba, isPrimary: false, bProblems);
        if (backup is null && backupLba != sectors - 1)
        {
            var atEnd = ReadCopy(device, sectors - 1, isPrimary: false, []);
            if (atEnd is not null) (backup, backupLba) = (atEnd, sectors - 1);
        }

        if (primary is null && backup is null)
        {
            if (pProblems.Contains("no \"EFI PART\" signature") && bProblems.Contains("no \"EFI PART\" signature"))
                throw new GptNotFoundException(device.Length);
            throw new GptCorruptException(pProblems, bProblems);
        }
        problems.AddRange(pProblems.Select(p => "primary: " + p));
        problems.AddRange(bProblems.Select(p => "backup: " + p));
        var chosen = primary ?? backup!;
        chosen.Table.Validate();
        var pState = primary is null ? GptCopyState.Corrupt : GptCopyState.Valid;
        var bState = backup is null ? GptCopyState.Corrupt : GptCopyState.Valid;
        if (primary is not null && backup is not null && !SameTable(primary.Table, backup.Table))
        {
            bState = GptCopyState.Stale;
            problems.Add("backup: differs from the primary (an interrupted update?); the primary is used");
        }
        else if (bState == GptCopyState.Valid && backupLba != sectors - 1)
        {
            bState = GptCopyState.Misplaced;
            problems.Add($"backup: header at LBA {backupLba}, not at the last LBA {sectors - 1} (the disk grew)");
        }
        return new GptReadResult(chosen.Table, pState, bState, mbrValid, problems);
    }

    /// <summary>
    /// Validates <paramref name="table"/> against the device and writes MBR, both arrays and both headers, then flushes.
    /// Nothing is written when validation fails.
    /// </summary>
    public static void Write(IBlockDevice device, GptTable table)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        var ss = device.SectorSize;
        var sectors = device.Length / ss;
        var arr = GptTable.EntryArraySectors(table.EntryCount, ss);
        var min = GptTable.MinimumSectors(table.EntryCount, ss);
        if (sectors < min) throw new DiskTooSmallException(device.Length, min * ss, "a GPT");
        if (table.FirstUsableLba < 2 + arr || table.LastUsableLba > sectors - 2 - arr || table.FirstUsableLba > table.LastUsableLba)
            throw new ArgumentOutOfRangeException(nameof(table), $"usable range {table.FirstUsableLba}-{table.LastUsableLba} collides with the GPT structures of a {sectors}-sector disk (allowed {2 + arr}-{sectors - 2 - arr})");

        var entries = new byte[arr * ss];
        foreach (var p in table.Partitions)
            GptFormat.EncodeEntry(entries.AsSpan((p.Number - 1) * GptTable.EntrySize), p);
        var entriesCrc = Crc32.HashToUInt32(entries.AsSpan(0, table.EntryCount * GptTable.EntrySize));
        var sector = new byte[ss];

        GptFormat.EncodeProtectiveMbr(sector, sectors);
        device.Write(0, sector);
        device.Write(2L * ss, entries);
        GptFormat.EncodeHeader(sector, Header(table, 1, sectors - 1, 2, entriesCrc));
        device.Write(ss, sector);
        device.Flush();
        var backupEntries = sectors - 1 - arr;
        device.Write(backupEntries * ss, entries);
        GptFormat.EncodeHeader(sector, Header(table, sectors - 1, 1, backupEntries, entriesCrc));
        device.Write((sectors - 1) * ss, sector);
        device.Flush();
    }

    /// <summary>
    /// Reads the GPT and, when a copy or the protective MBR is damaged, stale or misplaced, rewrites everything from the
    /// good copy. A misplaced backup (grown image) is moved to the new end and the usable range extended to it.
    /// Returns what was found before the repair.
    /// </summary>
    public static GptReadResult Repair(IBlockDevice device)
    {
        var found = Read(device);
        if (!found.NeedsRepair) return found;
        var table = found.Table;
        if (found.Backup == GptCopyState.Misplaced)
        {
            var grown = GptTable.ForDisk(device.Length / device.SectorSize, device.SectorSize, table.DiskGuid, table.Partitions, table.EntryCount);
            table = table with { LastUsableLba = grown.LastUsableLba };
        }
        Write(device, table);
        return found;
    }

    /// <summary>A view of <paramref name="partition"/> on <paramref name="device"/>.</summary>
    public static SubDevice OpenPartition(IBlockDevice device, GptPartition partition) =>
        new(device, partition.FirstLba * device.SectorSize, partition.SectorCount * device.SectorSize);

    private static GptFormat.Header Header(GptTable t, long my, long alt, long entriesLba, uint crc) =>
        new(my, alt, t.FirstUsableLba, t.LastUsableLba, t.DiskGuid, entriesLba, (uint)t.EntryCount, GptTable.EntrySize, crc);

    private static bool SameTable(GptTable a, GptTable b) =>
        a.DiskGuid == b.DiskGuid && a.FirstUsableLba == b.FirstUsableLba && a.LastUsableLba == b.LastUsableLba
        && a.EntryCount == b.EntryCount && a.Partitions.SequenceEqual(b.Partitions);

    private sealed record Copy(GptFormat.Header Header, GptTable Table);

    private static Copy? ReadCopy(IBlockDevice device, long lba, bool isPrimary, List<string> problems)
    {
        var ss = device.SectorSize;
        var sectors = device.Length / ss;
        var sector = new byte[ss];
        device.Read(lba * ss, sector);
        var h = GptFormat.DecodeHeader(sector, problems);
        if (h is null) return null;
        if (isPrimary && h.MyLba == 1 && h.AlternateLba >= sectors)
            throw new DiskTooSmallException(device.Length, (h.AlternateLba + 1) * ss, $"the GPT on it (backup header at LBA {h.AlternateLba})");
        var start = problems.Count;
        if (h.MyLba != lba) problems.Add($"header says it is at LBA {h.MyLba} but was read from LBA {lba}");
        if (h.EntrySize != GptTable.EntrySize) problems.Add($"entry size {h.EntrySize} is not {GptTable.EntrySize}");
        if (h.EntryCount is 0 or > MaxEntryCount) problems.Add($"partition entry count {h.EntryCount} outside 1..{MaxEntryCount}");
        if (h.FirstUsableLba > h.LastUsableLba + 1 || h.FirstUsableLba < 2 || h.LastUsableLba >= sectors - 1)
            problems.Add($"usable range {h.FirstUsableLba}-{h.LastUsableLba} does not fit a {sectors}-sector disk");
        if (problems.Count > start) return null;
        var arr = GptTable.EntryArraySectors((int)h.EntryCount, ss);
        var fits = isPrimary
            ? h.EntriesLba >= 2 && h.EntriesLba < sectors && h.EntriesLba + arr <= h.FirstUsableLba
            : h.EntriesLba > h.LastUsableLba && h.EntriesLba < sectors && h.EntriesLba + arr <= lba;
        if (!fits)
        {
            problems.Add($"partition entry count {h.EntryCount} ({arr} sectors at LBA {h.EntriesLba}) runs beyond the space reserved for the array");
            return null;
        }
        var entries = new byte[arr * ss];
        device.Read(h.EntriesLba * ss, entries);
        var bytes = entries.AsSpan(0, (int)h.EntryCount * GptTable.EntrySize);
        var crc = Crc32.HashToUInt32(bytes);
        if (crc != h.EntriesCrc)
        {
            problems.Add($"partition entries CRC32 mismatch (stored 0x{h.EntriesCrc:X8}, computed 0x{crc:X8})");
            return null;
        }
        var parts = new List<GptPartition>();
        for (var i = 0; i < h.EntryCount; i++)
            if (GptFormat.DecodeEntry(bytes.Slice(i * GptTable.EntrySize, GptTable.EntrySize), i + 1) is { } p) parts.Add(p);
        return new Copy(h, new GptTable(h.DiskGuid, h.FirstUsableLba, h.LastUsableLba, (int)h.EntryCount, parts));
    }
}
