using Talos.Core.Errors;

namespace Talos.Partitions.Meta;

/// <summary>An earlier write or flush of the log failed; the instance refuses further appends. Reopen the partition to recover.</summary>
public sealed class MetaLogFailedException(Exception cause)
    : TalosException($"META log stopped after an I/O failure ({cause.Message}); reopen it to run recovery.", cause)
{
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.Unavailable;

    /// <inheritdoc />
    public override bool IsTransient => true;
}
