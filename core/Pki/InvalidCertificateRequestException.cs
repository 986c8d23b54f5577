using Talos.Core.Errors;

namespace Talos.Core.Pki;

/// <summary>A certificate was requested with an unusable parameter (no roles, no SANs, non-positive TTL, no CA key).</summary>
public sealed class InvalidCertificateRequestException : TalosException
{
    /// <summary>Creates the exception naming the offending <paramref name="field"/>.</summary>
    public InvalidCertificateRequestException(string field, string reason)
        : base($"invalid certificate request: {field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The request field that is wrong.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
