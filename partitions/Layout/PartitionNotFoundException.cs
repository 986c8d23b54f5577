using Talos.Core.Errors;

namespace Talos.Partitions.Layout;

/// <summary>No partition with the requested label on the disk.</summary>
public sealed class PartitionNotFoundException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public PartitionNotFoundException(string label, IEnumerable<string> present)
        : base($"no partition labelled \"{label}\" on the disk (present: {string.Join(", ", present.DefaultIfEmpty("none"))}); is the disk installed? run the layout check")
    {
        Label = label;
    }

    /// <summary>The missing label.</summary>
    public string Label { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
