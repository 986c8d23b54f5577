using System.Text.Json;
using Org.BouncyCastle.Crypto;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// Cosign "simple signing" signatures stored beside the image: an OCI manifest tagged
/// <c>sha256-&lt;hex&gt;.sig</c> in the image's repository whose layers are the signed payloads
/// (<see cref="OciMediaTypes.CosignSimpleSigning"/>), each annotated <c>dev.cosignproject.cosign/signature</c>
/// with the base64 signature. Payload:
/// <c>{"critical":{"identity":{"docker-reference":"&lt;registry/repo&gt;"},"image":{"docker-manifest-digest":"sha256:…"},"type":"cosign container image signature"},"optional":null}</c>.
/// </summary>
public static class CosignSignatures
{
    /// <summary>The layer annotation holding the base64 signature.</summary>
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";

    /// <summary>The payload "type" cosign writes and checks.</summary>
    public const string PayloadType = "cosign container image signature";

    /// <summary>The tag of the signature artefact of a manifest digest.</summary>
    public static string SignatureTag(string manifestDigest) => manifestDigest.Replace(':', '-') + ".sig";

    /// <summary>The simple-signing payload for <paramref name="repository"/> at <paramref name="manifestDigest"/>.</summary>
    public static byte[] Payload(string repository, string manifestDigest) => OciJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("critical");
        w.WriteStartObject("identity");
        w.WriteString("docker-reference", repository);
        w.WriteEndObject();
        w.WriteStartObject("image");
        w.WriteString("docker-manifest-digest", manifestDigest);
        w.WriteEndObject();
        w.WriteString("type", PayloadType);
        w.WriteEndObject();
        w.WriteNull("optional");
        w.WriteEndObject();
    });

    /// <summary>
    /// Signs the image <paramref name="reference"/> in <paramref name="store"/> with <paramref name="privateKey"/>, adding a
    /// layer to its signature artefact (creating it if needed). Returns the signed manifest digest.
    /// </summary>
    public static async Task<string> SignAsync(LocalLayoutStore store, ImageReference reference, AsymmetricKeyParameter privateKey, CancellationToken ct)
    {
        if (!privateKey.IsPrivate) throw new ArgumentException("signing needs a private key", nameof(privateKey));
        var manifest = await store.GetManifestAsync(reference, ct);
        var payload = Payload(reference.Name, manifest.Digest);
        var signature = Convert.ToBase64String(SigningKeys.Sign(privateKey, payload));
        var sigRef = reference.WithTag(SignatureTag(manifest.Digest));
        var layers = new List<OciDescriptor>();
        try { layers.AddRange(OciManifest.Parse((await store.GetManifestAsync(sigRef, ct)).Bytes, sigRef.ToString()).Layers); }
        catch (ImageNotFoundException) { }
        var (pd, ps) = await store.PutBlobAsync(sigRef, payload, ct);
        var layer = new OciDescriptor(OciMediaTypes.CosignSimpleSigning, pd, ps, new Dictionary<string, string> { [SignatureAnnotation] = signature });
        if (!layers.Contains(layer, DescriptorComparer.Instance)) layers.Add(layer);
        var config = ConfigFor(layers);
        var (cd, cs) = await store.PutBlobAsync(sigRef, config, ct);
        var sigManifest = new OciManifest(new OciDescriptor(OciMediaTypes.ImageConfig, cd, cs), layers).ToJson();
        var (md, ms) = await store.PutBlobAsync(sigRef, sigManifest, ct);
        store.Tag(sigRef, sigRef.Tag!, md, ms);
        return manifest.Digest;
    }

    /// <summary>Cosign's minimal image config for a signature artefact: rootfs diff_ids are the payload digests.</summary>
    private static byte[] ConfigFor(IReadOnlyList<OciDescriptor> layers) => OciJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("architecture", "");
        w.WriteStartObject("config");
        w.WriteEndObject();
        w.WriteString("os", "");
        w.WriteStartObject("rootfs");
        w.WriteString("type", "layers");
        w.WriteStartArray("diff_ids");
        foreach (var l in layers) w.WriteStringValue(l.Digest);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>Reads and checks one signed payload; returns null when it is acceptable, else the reason.</summary>
    internal static string? CheckPayload(byte[] payload, string manifestDigest)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var critical = doc.RootElement.GetProperty("critical");
            if (critical.GetProperty("type").GetString() != PayloadType) return "payload type is not a cosign container image signature";
            var digest = critical.GetProperty("image").GetProperty("docker-manifest-digest").GetString();
            if (digest != manifestDigest) return $"payload signs {digest}, not {manifestDigest}";
            // Like cosign's SimpleClaimVerifier, the identity is not compared: images are copied between registries
            // and mirrors under other names, and the manifest digest is what binds the signature to the content.
            _ = critical.GetProperty("identity").GetProperty("docker-reference").GetString();
            return null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return "malformed payload: " + e.Message; }
    }

    private sealed class DescriptorComparer : IEqualityComparer<OciDescriptor>
    {
        public static readonly DescriptorComparer Instance = new();
        public bool Equals(OciDescriptor? a, OciDescriptor? b) => a?.Digest == b?.Digest && a?.Annotations?[SignatureAnnotation] == b?.Annotations?[SignatureAnnotation];
        public int GetHashCode(OciDescriptor d) => d.Digest.GetHashCode(StringComparison.Ordinal);
    }
}
