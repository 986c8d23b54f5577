namespace Talos.Core.Errors;

/// <summary>
/// Bytes (or JSON) that claim to be a <c>NodeEvent</c> could not be decoded: not protobuf, not canonical,
/// carrying unknown fields, or without a payload. A META record that fails this check must not be folded.
/// </summary>
public sealed class EventDecodeException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public EventDecodeException(string reason, int length, Exception? inner = null)
        : base($"cannot decode event ({length} bytes): {reason}; the record is corrupt or was written by a newer version", inner)
    {
        Reason = reason;
        Length = length;
    }

    /// <summary>What was wrong with the bytes.</summary>
    public string Reason { get; }

    /// <summary>Length of the rejected input.</summary>
    public int Length { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
