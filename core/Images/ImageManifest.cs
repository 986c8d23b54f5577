using System.Text;
using System.Text.Json;

namespace Talos.Core.Images;

/// <summary>Behaviour of the simulated services booted from an image: the fault-injection knob of tests.</summary>
public enum ServiceProfile
{
    /// <summary>Every service comes up and becomes healthy.</summary>
    Healthy,
    /// <summary>kubelet runs but never reports healthy (the health gate times out).</summary>
    KubeletNeverHealthy,
    /// <summary>machined fails during the boot sequence (a FATAL sequence error).</summary>
    MachinedFailsAtBoot,
    /// <summary>The boot never progresses past the kernel (no events after BootAttempted).</summary>
    BootHangs,
    /// <summary>The kernel panics before machined starts (reboot with a consumed try).</summary>
    PanicBeforeMachined,
}

/// <summary>A content blob of the image (kernel or initramfs).</summary>
/// <param name="Digest">Lower-case hex SHA-256 of the blob.</param>
/// <param name="Size">Size in bytes.</param>
public sealed record BlobInfo(string Digest, ulong Size);

/// <summary>Detached signature over <see cref="ImageManifest.SigningPayload"/>.</summary>
/// <param name="KeyId">Identifier of the signing key (matched against the config's trusted keys).</param>
/// <param name="Algorithm">Signature algorithm, e.g. "ed25519" or "ecdsa-p256-sha256".</param>
/// <param name="Value">Base64 signature bytes.</param>
public sealed record ImageSignature(string KeyId, string Algorithm, string Value);

/// <summary>
/// The manifest of an installer image: what the A/B engine writes into a slot and verifies.
/// Wire form: a JSON object (specs/formats/image-manifest.md) with keys in the fixed order
/// <c>architecture, initramfs, kernel, profile, signature, version</c> (alphabetical).
/// </summary>
public sealed record ImageManifest(string Version, string Architecture, BlobInfo Kernel, BlobInfo Initramfs,
    ServiceProfile Profile, ImageSignature? Signature)
{
    /// <summary>Supported architectures.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["amd64", "arm64"];

    /// <summary>Manifest with the signature cleared.</summary>
    public ImageManifest Unsigned() => this with { Signature = null };

    /// <summary>The bytes a signature covers: the canonical JSON of the manifest without its signature.</summary>
    public byte[] SigningPayload() => ImageManifestJson.Write(Unsigned());

    /// <summary>Canonical JSON bytes (UTF-8, no whitespace, fixed key order).</summary>
    public byte[] ToJsonBytes() => ImageManifestJson.Write(this);

    /// <summary>Canonical JSON text.</summary>
    public string ToJson() => Encoding.UTF8.GetString(ToJsonBytes());

    /// <summary>Parses and validates a manifest.</summary>
    /// <exception cref="Errors.ImageManifestException">Malformed JSON, unknown or missing fields, bad values.</exception>
    public static ImageManifest Parse(ReadOnlySpan<byte> json) => ImageManifestJson.Read(json);

    /// <summary>Profile name as written in manifests (kebab-case, e.g. <c>kubelet-never-healthy</c>).</summary>
    public static string ProfileName(ServiceProfile p) => p switch
    {
        ServiceProfile.Healthy => "healthy",
        ServiceProfile.KubeletNeverHealthy => "kubelet-never-healthy",
        ServiceProfile.MachinedFailsAtBoot => "machined-fails-at-boot",
        ServiceProfile.BootHangs => "boot-hangs",
        ServiceProfile.PanicBeforeMachined => "panic-before-machined",
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, "unknown service profile"),
    };

    /// <summary>Parses a profile name; null if unknown.</summary>
    public static ServiceProfile? ParseProfile(string name) =>
        Enum.GetValues<ServiceProfile>().Where(p => ProfileName(p) == name).Select(p => (ServiceProfile?)p).FirstOrDefault();
}

internal static class ImageManifestJson
{
    internal static byte[] Write(ImageManifest m)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("architecture", m.Architecture);
            WriteBlob(w, "initramfs", m.Initramfs);
            WriteBlob(w, "kernel", m.Kernel);
            w.WriteString("profile", ImageManifest.ProfileName(m.Profile));
            if (m.Signature is { } s)
            {
                w.WriteStartObject("signature");
                w.WriteString("algorithm", s.Algorithm);
                w.WriteString("keyId", s.KeyId);
                w.WriteString("value", s.Value);
                w.WriteEndObject();
            }
            w.WriteString("version", m.Version);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteBlob(Utf8JsonWriter w, string name, BlobInfo b)
    {
        w.WriteStartObject(name);
        w.WriteString("digest", b.Digest);
        w.WriteNumber("size", b.Size);
        w.WriteEndObject();
    }

    internal static ImageManifest Read(ReadOnlySpan<byte> json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException ex)
        {
            throw new Errors.ImageManifestException("$", "not JSON: " + ex.Message, ex);
        }
        using (doc)
        {
            var root = Object(doc.RootElement, "$", ["architecture", "initramfs", "kernel", "profile", "signature", "version"]);
            var version = String(root, "$", "version");
            if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^v\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$"))
                throw new Errors.ImageManifestException("$.version", $"\"{version}\" is not a version like v1.2.3");
            var arch = String(root, "$", "architecture");
            if (!ImageManifest.Architectures.Contains(arch))
                throw new Errors.ImageManifestException("$.architecture", $"unsupported architecture \"{arch}\" (amd64, arm64)");
            var profileName = String(root, "$", "profile");
            var profile = ImageManifest.ParseProfile(profileName)
                ?? throw new Errors.ImageManifestException("$.profile", $"unknown profile \"{profileName}\"");
            ImageSignature? sig = null;
            if (root.TryGetValue("signature", out var s))
            {
                var so = Object(s, "$.signature", ["algorithm", "keyId", "value"]);
                sig = new ImageSignature(String(so, "$.signature", "keyId"), String(so, "$.signature", "algorithm"),
                    String(so, "$.signature", "value"));
            }
            return new ImageManifest(version, arch, Blob(root, "kernel"), Blob(root, "initramfs"), profile, sig);
        }
    }

    private static BlobInfo Blob(Dictionary<string, JsonElement> root, string name)
    {
        var path = "$." + name;
        if (!root.TryGetValue(name, out var e))
            throw new Errors.ImageManifestException(path, "is required");
        var o = Object(e, path, ["digest", "size"]);
        var digest = String(o, path, "digest");
        if (digest.Length != 64 || !digest.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            throw new Errors.ImageManifestException(path + ".digest", "must be 64 lower-case hex characters (SHA-256)");
        if (!o.TryGetValue("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetUInt64(out var n) || n == 0)
            throw new Errors.ImageManifestException(path + ".size", "must be a positive integer");
        return new BlobInfo(digest, n);
    }

    private static Dictionary<string, JsonElement> Object(JsonElement e, string path, string[] allowed)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new Errors.ImageManifestException(path, "must be an object");
        var d = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (!allowed.Contains(p.Name))
                throw new Errors.ImageManifestException($"{path}.{p.Name}", "unknown field");
            if (!d.TryAdd(p.Name, p.Value))
                throw new Errors.ImageManifestException($"{path}.{p.Name}", "duplicate field");
        }
        return d;
    }

    private static string String(Dictionary<string, JsonElement> o, string path, string name)
    {
        if (!o.TryGetValue(name, out var v) || v.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(v.GetString()))
            throw new Errors.ImageManifestException($"{path}.{name}", "is required (non-empty string)");
        return v.GetString()!;
    }
}
