using System.Text.Json;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// The config blob of an installer image (media type <see cref="OciMediaTypes.InstallerConfig"/>):
/// <c>{"architecture":"amd64","profile":"healthy","version":"v1.9.0"}</c>, keys sorted.
/// </summary>
/// <remarks>
/// Internal model of the upgrade layer; core's <c>ImageManifest</c> (built in parallel) maps field for field:
/// Version → version, Architecture → architecture, ServiceProfile → service profile, plus the manifest digest
/// and the kernel/initramfs layer digests and sizes from <see cref="InstallerImage"/>.
/// The profile is kept as a string (healthy, kubelet-never-healthy, machined-fails-at-boot, boot-hangs,
/// panic-before-machined, ...) so new fault profiles need no format change.
/// </remarks>
/// <param name="Version">Talos version, e.g. "v1.9.0".</param>
/// <param name="Architecture">"amd64" or "arm64".</param>
/// <param name="ServiceProfile">Simulated-service profile name.</param>
/// <param name="ConfigFeatures">
/// The machine-config features this image's machined reads (see core's <c>ConfigFeatures</c>), or null when the
/// image does not declare them (then a rollback to it can only be checked by version). Key <c>configFeatures</c>.
/// </param>
public sealed record InstallerConfig(string Version, string Architecture, string ServiceProfile, IReadOnlyList<string>? ConfigFeatures = null)
{
    /// <summary>Well-known profile names (others are accepted and passed through).</summary>
    public static readonly IReadOnlyList<string> KnownProfiles =
        ["healthy", "kubelet-never-healthy", "machined-fails-at-boot", "boot-hangs", "panic-before-machined"];

    /// <summary>Canonical JSON bytes.</summary>
    public byte[] ToJson() => OciJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("architecture", Architecture);
        if (ConfigFeatures is not null)
        {
            w.WriteStartArray("configFeatures");
            foreach (var f in ConfigFeatures.Order(StringComparer.Ordinal)) w.WriteStringValue(f);
            w.WriteEndArray();
        }
        w.WriteString("profile", ServiceProfile);
        w.WriteString("version", Version);
        w.WriteEndObject();
    });

    /// <summary>Parses the config blob; <paramref name="what"/> names the image in errors.</summary>
    public static InstallerConfig Parse(ReadOnlySpan<byte> json, string what)
    {
        var root = OciJson.Parse(json, what);
        IReadOnlyList<string>? features = null;
        if (root.TryGetProperty("configFeatures", out var fs))
        {
            if (fs.ValueKind != JsonValueKind.Array || fs.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String))
                throw new InvalidInstallerImageException(what, "configFeatures must be an array of strings");
            features = fs.EnumerateArray().Select(f => f.GetString()!).ToList();
        }
        var c = new InstallerConfig(OciJson.Str(root, "version", what), OciJson.Str(root, "architecture", what), OciJson.Str(root, "profile", what), features);
        c.Validate(what);
        return c;
    }

    /// <summary>Throws <see cref="InvalidInstallerImageException"/> when a field is empty or too long for the slot header.</summary>
    public void Validate(string what)
    {
        if (string.IsNullOrWhiteSpace(Version) || Version.Length > 62) throw new InvalidInstallerImageException(what, $"version \"{Version}\" must be 1-62 characters");
        if (Architecture is not ("amd64" or "arm64")) throw new InvalidInstallerImageException(what, $"architecture \"{Architecture}\" must be amd64 or arm64");
        if (string.IsNullOrWhiteSpace(ServiceProfile) || ServiceProfile.Length > 62) throw new InvalidInstallerImageException(what, $"service profile \"{ServiceProfile}\" must be 1-62 characters");
        if (ConfigFeatures is { } fs && (fs.Any(f => f.Length == 0 || f.Contains(',')) || string.Join(',', fs).Length > Slots.SlotHeader.ConfigFeaturesCapacity))
            throw new InvalidInstallerImageException(what, $"configFeatures must be non-empty names without commas, at most {Slots.SlotHeader.ConfigFeaturesCapacity} bytes together");
    }
}
