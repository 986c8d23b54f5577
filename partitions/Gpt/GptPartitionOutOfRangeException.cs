using Talos.Core.Errors;

namespace Talos.Partitions.Gpt;

/// <summary>A GPT partition lies (partly) outside the usable LBA range, or ends before it starts.</summary>
public sealed class GptPartitionOutOfRangeException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public GptPartitionOutOfRangeException(GptPartition partition, long firstUsableLba, long lastUsableLba)
        : base($"partition {partition.Number} \"{partition.Name}\" spans LBA {partition.FirstLba}-{partition.LastLba}, outside the usable range {firstUsableLba}-{lastUsableLba} (or it ends before it starts)")
    {
        Partition = partition;
        FirstUsableLba = firstUsableLba;
        LastUsableLba = lastUsableLba;
    }

    /// <summary>The offending partition.</summary>
    public GptPartition Partition { get; }

    /// <summary>First usable LBA of the disk.</summary>
    public long FirstUsableLba { get; }

    /// <summary>Last usable LBA of the disk.</summary>
    public long LastUsableLba { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
