using Talos.Core.Errors;

namespace Talos.Partitions.Gpt;

/// <summary>Two GPT partitions share sectors.</summary>
public sealed class GptPartitionOverlapException : TalosException
{
    /// <summary>Creates the exception for partitions <paramref name="first"/> and <paramref name="second"/>.</summary>
    public GptPartitionOverlapException(GptPartition first, GptPartition second)
        : base($"partition {first.Number} \"{first.Name}\" (LBA {first.FirstLba}-{first.LastLba}) overlaps partition {second.Number} \"{second.Name}\" (LBA {second.FirstLba}-{second.LastLba})")
    {
        First = first;
        Second = second;
    }

    /// <summary>The partition that starts first.</summary>
    public GptPartition First { get; }

    /// <summary>The partition it overlaps.</summary>
    public GptPartition Second { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
