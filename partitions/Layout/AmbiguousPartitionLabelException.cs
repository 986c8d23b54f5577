using Talos.Core.Errors;

namespace Talos.Partitions.Layout;

/// <summary>More than one partition carries the requested label, so the one to use is ambiguous.</summary>
public sealed class AmbiguousPartitionLabelException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public AmbiguousPartitionLabelException(string label, IEnumerable<int> numbers)
        : base($"partition label \"{label}\" is used by partitions {string.Join(", ", numbers)}; refusing to guess — fix the partition table")
    {
        Label = label;
    }

    /// <summary>The ambiguous label.</summary>
    public string Label { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
