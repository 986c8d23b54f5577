namespace Talos.Partitions.Gpt;

/// <summary>
/// A whole GPT as data: disk GUID, usable LBA range, entry array size and the used entries (sorted by number).
/// Build one with <see cref="ForDisk"/>, write it with <see cref="GptDisk.Write"/>, read it back with <see cref="GptDisk.Read"/>.
/// Record equality compares <see cref="Partitions"/> by reference; compare partitions with <c>SequenceEqual</c>.
/// </summary>
public sealed record GptTable(Guid DiskGuid, long FirstUsableLba, long LastUsableLba, int EntryCount, IReadOnlyList<GptPartition> Partitions)
{
    /// <summary>Entries in a standard array (what sgdisk, parted and upstream Talos write).</summary>
    public const int StandardEntryCount = 128;

    /// <summary>Bytes per entry.</summary>
    public const int EntrySize = 128;

    /// <summary>Sectors taken by an entry array of <paramref name="entryCount"/> entries.</summary>
    public static long EntryArraySectors(int entryCount, int sectorSize) => ((long)entryCount * EntrySize + sectorSize - 1) / sectorSize;

    /// <summary>Smallest disk (in sectors) that holds MBR, both headers, both arrays and one usable sector.</summary>
    public static long MinimumSectors(int entryCount, int sectorSize) => 3 + 2 * EntryArraySectors(entryCount, sectorSize) + 1;

    /// <summary>An empty-or-given table spanning a disk of <paramref name="diskSectors"/> sectors with the standard usable range.</summary>
    public static GptTable ForDisk(long diskSectors, int sectorSize, Guid diskGuid, IReadOnlyList<GptPartition>? partitions = null, int entryCount = StandardEntryCount)
    {
        var need = MinimumSectors(entryCount, sectorSize);
        if (diskSectors < need) throw new DiskTooSmallException(diskSectors * sectorSize, need * sectorSize, "a GPT");
        var arr = EntryArraySectors(entryCount, sectorSize);
        return new GptTable(diskGuid, 2 + arr, diskSectors - 2 - arr, entryCount, partitions ?? []);
    }

    /// <summary>The partition with <paramref name="name"/>, or null.</summary>
    public GptPartition? Find(string name) => Partitions.FirstOrDefault(p => p.Name == name);

    /// <summary>
    /// Checks the entries: numbers within the array and unique, non-empty type GUIDs, names that fit, every partition
    /// inside the usable range, no two overlapping. Throws the specific exception of the first problem.
    /// </summary>
    public void Validate()
    {
        if (EntryCount < 1 || EntryCount > GptDisk.MaxEntryCount) throw new GptTooManyPartitionsException(EntryCount, GptDisk.MaxEntryCount);
        if (Partitions.Count > EntryCount) throw new GptTooManyPartitionsException(Partitions.Count, EntryCount);
        var numbers = new HashSet<int>();
        foreach (var p in Partitions)
        {
            if (p.Number < 1 || p.Number > EntryCount) throw new GptTooManyPartitionsException(p.Number, EntryCount);
            if (!numbers.Add(p.Number)) throw new ArgumentException($"partition number {p.Number} is used twice", nameof(Partitions));
            if (p.TypeGuid == Guid.Empty) throw new ArgumentException($"partition {p.Number} has the empty type GUID, which marks an unused entry", nameof(Partitions));
            if (p.Name.Length > GptPartition.MaxNameLength) throw new ArgumentException($"partition {p.Number} name \"{p.Name}\" is longer than {GptPartition.MaxNameLength} UTF-16 units", nameof(Partitions));
            if (p.FirstLba < FirstUsableLba || p.LastLba > LastUsableLba || p.LastLba < p.FirstLba)
                throw new GptPartitionOutOfRangeException(p, FirstUsableLba, LastUsableLba);
        }
        var sorted = Partitions.OrderBy(p => p.FirstLba).ToList();
        for (var i = 1; i < sorted.Count; i++)
            if (sorted[i].FirstLba <= sorted[i - 1].LastLba) throw new GptPartitionOverlapException(sorted[i - 1], sorted[i]);
    }
}
