using Talos.Core.Errors;

namespace Talos.Partitions.Gpt;

/// <summary>The disk (or image) is smaller than the structures asked of it: truncated, or the wrong disk.</summary>
public sealed class DiskTooSmallException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public DiskTooSmallException(long actualBytes, long neededBytes, string what)
        : base($"the disk is {actualBytes} bytes but {what} needs at least {neededBytes} bytes: the image is truncated or too small")
    {
        ActualBytes = actualBytes;
        NeededBytes = neededBytes;
    }

    /// <summary>Size of the disk.</summary>
    public long ActualBytes { get; }

    /// <summary>Size needed.</summary>
    public long NeededBytes { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
