using Talos.Core.Errors;

namespace Talos.Partitions.Gpt;

/// <summary>Neither the primary nor the backup GPT header has the "EFI PART" signature: the disk is blank or not GPT.</summary>
public sealed class GptNotFoundException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public GptNotFoundException(long diskBytes)
        : base($"no GPT on the disk ({diskBytes} bytes): neither LBA 1 nor the last LBA holds an \"EFI PART\" header; the disk is blank or uses another format — lay it out first")
    {
        DiskBytes = diskBytes;
    }

    /// <summary>Size of the disk examined.</summary>
    public long DiskBytes { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
