using System.Text.Json;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>Media types used by installer images and their signatures.</summary>
public static class OciMediaTypes
{
    /// <summary>OCI image manifest.</summary>
    public const string Manifest = "application/vnd.oci.image.manifest.v1+json";
    /// <summary>OCI image index (index.json of a layout).</summary>
    public const string Index = "application/vnd.oci.image.index.v1+json";
    /// <summary>Docker schema 2 manifest: same shape, accepted when a registry returns it.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    /// <summary>Config blob of an installer image (version, architecture, service profile).</summary>
    public const string InstallerConfig = "application/vnd.talos.installer.config.v1+json";
    /// <summary>Kernel layer (raw bytes).</summary>
    public const string Kernel = "application/vnd.talos.installer.kernel.v1";
    /// <summary>Initramfs layer (raw bytes).</summary>
    public const string Initramfs = "application/vnd.talos.installer.initramfs.v1";
    /// <summary>OCI image config, used by cosign signature artefacts.</summary>
    public const string ImageConfig = "application/vnd.oci.image.config.v1+json";
    /// <summary>Cosign simple-signing payload layer.</summary>
    public const string CosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";
}

/// <summary>An OCI content descriptor.</summary>
/// <param name="MediaType">Media type of the content.</param>
/// <param name="Digest">sha256 digest of the content.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Annotations">Annotations, or null; written with keys sorted (ordinal).</param>
public sealed record OciDescriptor(string MediaType, string Digest, long Size, IReadOnlyDictionary<string, string>? Annotations = null)
{
    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", MediaType);
        w.WriteString("digest", Digest);
        w.WriteNumber("size", Size);
        OciJson.WriteAnnotations(w, Annotations);
        w.WriteEndObject();
    }

    internal static OciDescriptor Read(JsonElement e, string what)
    {
        var mediaType = OciJson.Str(e, "mediaType", what);
        var digest = OciJson.Str(e, "digest", what);
        if (!OciDigest.IsValid(digest)) throw new InvalidInstallerImageException(what, $"descriptor digest \"{digest}\" is not sha256:<64 hex>");
        if (!e.TryGetProperty("size", out var s) || !s.TryGetInt64(out var size) || size < 0) throw new InvalidInstallerImageException(what, "descriptor has no valid size");
        return new OciDescriptor(mediaType, digest, size, OciJson.ReadAnnotations(e));
    }
}

/// <summary>
/// An OCI image manifest (schemaVersion 2). Serialised deterministically: fixed field order, annotation keys
/// sorted, no insignificant whitespace — so the same image always has the same manifest digest.
/// </summary>
/// <param name="Config">The config blob descriptor.</param>
/// <param name="Layers">The layers in order.</param>
/// <param name="Annotations">Manifest annotations or null.</param>
public sealed record OciManifest(OciDescriptor Config, IReadOnlyList<OciDescriptor> Layers, IReadOnlyDictionary<string, string>? Annotations = null)
{
    /// <summary>Canonical JSON bytes of this manifest.</summary>
    public byte[] ToJson() => OciJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", OciMediaTypes.Manifest);
        w.WritePropertyName("config");
        Config.Write(w);
        w.WriteStartArray("layers");
        foreach (var l in Layers) l.Write(w);
        w.WriteEndArray();
        OciJson.WriteAnnotations(w, Annotations);
        w.WriteEndObject();
    });

    /// <summary>Parses manifest JSON; <paramref name="what"/> names it in errors.</summary>
    public static OciManifest Parse(ReadOnlySpan<byte> json, string what)
    {
        var root = OciJson.Parse(json, what);
        if (!root.TryGetProperty("schemaVersion", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != 2)
            throw new InvalidInstallerImageException(what, "manifest schemaVersion is not 2");
        if (root.TryGetProperty("mediaType", out var mt) && mt.GetString() is not (OciMediaTypes.Manifest or OciMediaTypes.DockerManifest))
            throw new InvalidInstallerImageException(what, $"unsupported manifest media type \"{mt.GetString()}\" (image indexes are not installer images)");
        if (!root.TryGetProperty("config", out var c) || c.ValueKind != JsonValueKind.Object) throw new InvalidInstallerImageException(what, "manifest has no config");
        if (!root.TryGetProperty("layers", out var ls) || ls.ValueKind != JsonValueKind.Array) throw new InvalidInstallerImageException(what, "manifest has no layers");
        var layers = ls.EnumerateArray().Select(l => OciDescriptor.Read(l, what)).ToList();
        return new OciManifest(OciDescriptor.Read(c, what), layers, OciJson.ReadAnnotations(root));
    }
}

/// <summary>Deterministic JSON helpers for OCI documents.</summary>
internal static class OciJson
{
    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })) body(w);
        return ms.ToArray();
    }

    public static void WriteAnnotations(Utf8JsonWriter w, IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null || annotations.Count == 0) return;
        w.WriteStartObject("annotations");
        foreach (var kv in annotations.OrderBy(k => k.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
        w.WriteEndObject();
    }

    public static IReadOnlyDictionary<string, string>? ReadAnnotations(JsonElement e)
    {
        if (!e.TryGetProperty("annotations", out var a) || a.ValueKind != JsonValueKind.Object) return null;
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in a.EnumerateObject()) d[p.Name] = p.Value.GetString() ?? "";
        return d;
    }

    public static JsonElement Parse(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            var root = JsonElement.ParseValue(ref reader);
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidInstallerImageException(what, "JSON document is not an object");
            return root;
        }
        catch (JsonException e) { throw new InvalidInstallerImageException(what, "malformed JSON: " + e.Message); }
    }

    public static string Str(JsonElement e, string name, string what) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : throw new InvalidInstallerImageException(what, $"missing string field \"{name}\"");
}
