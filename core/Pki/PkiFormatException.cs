using Talos.Core.Errors;

namespace Talos.Core.Pki;

/// <summary>A PEM certificate or key could not be read: wrong label, bad base64, bad DER, unsupported algorithm.</summary>
public sealed class PkiFormatException : TalosException
{
    /// <summary>Creates the exception for the item <paramref name="what"/> (e.g. "CA certificate").</summary>
    public PkiFormatException(string what, string reason, Exception? inner = null)
        : base($"cannot read {what}: {reason}; provide a PEM-encoded X.509 certificate or PKCS#8 private key", inner)
    {
        What = what;
        Reason = reason;
    }

    /// <summary>Which item failed to parse.</summary>
    public string What { get; }

    /// <summary>Why it failed.</summary>
    public string Reason { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
