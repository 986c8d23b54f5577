using Org.BouncyCastle.Crypto;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// Verifies that an image manifest carries a cosign signature from one of the trusted public keys (from the
/// machine config). Run before any slot byte is written; an image passes when at least one signature layer has
/// a valid payload for this manifest digest and a signature by a trusted key.
/// </summary>
public sealed class SignatureVerifier
{
    private readonly IReadOnlyList<AsymmetricKeyParameter> _trusted;

    /// <summary>Creates a verifier trusting <paramref name="trustedKeys"/> (ECDSA P-256 or Ed25519 public keys; at least one).</summary>
    public SignatureVerifier(IReadOnlyList<AsymmetricKeyParameter> trustedKeys)
    {
        if (trustedKeys.Count == 0) throw new ArgumentException("verification needs at least one trusted public key", nameof(trustedKeys));
        if (trustedKeys.Any(k => k.IsPrivate)) throw new ArgumentException("trusted keys must be public keys", nameof(trustedKeys));
        _trusted = trustedKeys;
    }

    /// <summary>
    /// Verifies the signature of <paramref name="manifestDigest"/> (of <paramref name="reference"/>'s repository) in
    /// <paramref name="source"/>. Returns the fingerprint of the key that signed it.
    /// </summary>
    /// <exception cref="ImageNotSignedException">no signature artefact.</exception>
    /// <exception cref="ImageSignatureInvalidException">signatures exist but none is valid from a trusted key.</exception>
    public async Task<string> VerifyAsync(IImageSource source, ImageReference reference, string manifestDigest, CancellationToken ct)
    {
        var sigRef = reference.WithTag(CosignSignatures.SignatureTag(manifestDigest));
        FetchedManifest sig;
        try { sig = await source.GetManifestAsync(sigRef, ct); }
        catch (ImageNotFoundException) { throw new ImageNotSignedException(reference.ToString(), manifestDigest); }
        var manifest = OciManifest.Parse(sig.Bytes, sigRef.ToString());
        var reasons = new List<string>();
        foreach (var layer in manifest.Layers)
        {
            if (layer.MediaType != OciMediaTypes.CosignSimpleSigning) continue;
            if (layer.Size > 64 * 1024) { reasons.Add($"payload {layer.Digest} is implausibly large"); continue; }
            var payload = await ReadVerifiedAsync(source, sigRef, layer, ct);
            if (CosignSignatures.CheckPayload(payload, manifestDigest) is { } bad) { reasons.Add(bad); continue; }
            if (layer.Annotations?.TryGetValue(CosignSignatures.SignatureAnnotation, out var b64) != true) { reasons.Add($"payload {layer.Digest} has no signature annotation"); continue; }
            byte[] signature;
            try { signature = Convert.FromBase64String(b64!); }
            catch (FormatException) { reasons.Add($"signature of payload {layer.Digest} is not base64"); continue; }
            var key = _trusted.FirstOrDefault(k => SigningKeys.Verify(k, payload, signature));
            if (key is not null) return SigningKeys.Fingerprint(key);
            reasons.Add($"signature on payload {layer.Digest} is not from a trusted key (trusted: {string.Join(", ", _trusted.Select(SigningKeys.Fingerprint))})");
        }
        if (reasons.Count == 0) reasons.Add("signature artefact has no simple-signing layers");
        throw new ImageSignatureInvalidException(reference.ToString(), manifestDigest, reasons);
    }

    private static async Task<byte[]> ReadVerifiedAsync(IImageSource source, ImageReference r, OciDescriptor d, CancellationToken ct)
    {
        await using var s = await source.OpenBlobAsync(r, d, ct);
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct);
        var bytes = ms.ToArray();
        var actual = OciDigest.Of(bytes);
        return actual == d.Digest ? bytes : throw new ImageDigestMismatchException($"signature payload of {r}", d.Digest, actual);
    }
}
