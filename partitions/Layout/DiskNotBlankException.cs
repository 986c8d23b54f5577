using Talos.Core.Errors;

namespace Talos.Partitions.Layout;

/// <summary>Laying out a disk that already has a partition table was refused (upstream: "disk … is not empty").</summary>
public sealed class DiskNotBlankException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public DiskNotBlankException(string found)
        : base($"the disk is not blank: {found}; wipe it first or lay it out with force")
    {
        Found = found;
    }

    /// <summary>What was found on the disk.</summary>
    public string Found { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
