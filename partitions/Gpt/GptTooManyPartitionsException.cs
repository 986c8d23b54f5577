using Talos.Core.Errors;

namespace Talos.Partitions.Gpt;

/// <summary>More partitions than the entry array holds, or a partition number beyond it.</summary>
public sealed class GptTooManyPartitionsException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public GptTooManyPartitionsException(int requested, int entryCount)
        : base($"partition number or count {requested} is beyond the partition entry array of {entryCount} entries")
    {
        Requested = requested;
        EntryCount = entryCount;
    }

    /// <summary>The partition number or count asked for.</summary>
    public int Requested { get; }

    /// <summary>Entries in the array.</summary>
    public int EntryCount { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
