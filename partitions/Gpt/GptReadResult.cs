namespace Talos.Partitions.Gpt;

/// <summary>State of one GPT copy as found on the disk.</summary>
public enum GptCopyState
{
    /// <summary>Header and entries pass every check and agree with the table returned.</summary>
    Valid,
    /// <summary>The copy failed a check (signature, CRC, field range); the other copy was used.</summary>
    Corrupt,
    /// <summary>The copy is intact but differs from the primary (e.g. a crash between the two writes of an update).</summary>
    Stale,
    /// <summary>The backup is intact but not at the last LBA (the image grew); repair moves it.</summary>
    Misplaced,
}

/// <summary>What <see cref="GptDisk.Read"/> found: the table, the state of each copy and every problem, in words.</summary>
public sealed record GptReadResult(GptTable Table, GptCopyState Primary, GptCopyState Backup, bool ProtectiveMbrValid, IReadOnlyList<string> Problems)
{
    /// <summary>True when <see cref="GptDisk.Repair"/> would write something.</summary>
    public bool NeedsRepair => Primary != GptCopyState.Valid || Backup != GptCopyState.Valid || !ProtectiveMbrValid;
}
