using Talos.Core.Errors;

namespace Talos.Partitions.Gpt;

/// <summary>Both GPT copies (primary and backup) failed validation; the problems of each copy are listed.</summary>
public sealed class GptCorruptException : TalosException
{
    /// <summary>Creates the exception with the problems found in each copy.</summary>
    public GptCorruptException(IReadOnlyList<string> primaryProblems, IReadOnlyList<string> backupProblems)
        : base($"both GPT copies are corrupt. primary: {string.Join("; ", primaryProblems)}. backup: {string.Join("; ", backupProblems)}. The partition table cannot be recovered from this disk; restore it from a known layout")
    {
        PrimaryProblems = primaryProblems;
        BackupProblems = backupProblems;
    }

    /// <summary>Why the primary copy was rejected.</summary>
    public IReadOnlyList<string> PrimaryProblems { get; }

    /// <summary>Why the backup copy was rejected.</summary>
    public IReadOnlyList<string> BackupProblems { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
