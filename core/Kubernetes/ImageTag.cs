namespace Talos.Core.Kubernetes;

/// <summary>Reads and replaces the tag of a container image reference (<c>registry/repo:tag[@digest]</c>).</summary>
public static class ImageTag
{
    /// <summary>The tag ("" when the reference has none). The registry's port is not mistaken for a tag.</summary>
    public static string Of(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var name = StripDigest(image);
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[(colon + 1)..] : "";
    }

    /// <summary>The reference without its tag and digest.</summary>
    public static string Repository(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var name = StripDigest(image);
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[..colon] : name;
    }

    /// <summary>The Kubernetes version in the tag, or null when the tag is not one (e.g. <c>latest</c>).</summary>
    public static KubeVersion? VersionOf(string image) => KubeVersion.TryParse(Of(image), out var v) ? v : null;

    /// <summary>The same repository at <paramref name="version"/> (<c>repo:v1.31.0</c>); a digest is dropped.</summary>
    public static string WithVersion(string image, KubeVersion version) => $"{Repository(image)}:{version.Tag}";

    private static string StripDigest(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        return at >= 0 ? image[..at] : image;
    }
}
