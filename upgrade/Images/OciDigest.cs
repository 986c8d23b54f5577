using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Talos.Upgrade.Images;

/// <summary>OCI content digests ("sha256:&lt;64 lower-case hex&gt;"): the only algorithm this engine accepts.</summary>
public static partial class OciDigest
{
    /// <summary>The digest of <paramref name="content"/>.</summary>
    public static string Of(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Formats a raw 32-byte SHA-256.</summary>
    public static string FromSha256(ReadOnlySpan<byte> sha) => "sha256:" + Convert.ToHexStringLower(sha);

    /// <summary>True when <paramref name="digest"/> is a well-formed sha256 digest.</summary>
    public static bool IsValid(string? digest) => digest is not null && Pattern().IsMatch(digest);

    /// <summary>The raw 32 bytes of a well-formed digest; throws <see cref="FormatException"/> otherwise.</summary>
    public static byte[] ToSha256(string digest) =>
        IsValid(digest) ? Convert.FromHexString(digest.AsSpan(7)) : throw new FormatException($"\"{digest}\" is not a sha256:<64 hex> digest");

    /// <summary>The hex part of a digest (for blob paths).</summary>
    public static string Hex(string digest) => IsValid(digest) ? digest[7..] : throw new FormatException($"\"{digest}\" is not a sha256:<64 hex> digest");

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Pattern();
}
