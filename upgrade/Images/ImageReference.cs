using System.Text.RegularExpressions;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// A normalised image reference, parsed as docker/distribution's <c>ParseNormalizedNamed</c> does:
/// a first path component is a registry only if it contains '.' or ':', is "localhost", or has upper case;
/// otherwise the registry is docker.io, and a single-component docker.io name gets the "library/" prefix;
/// "index.docker.io" becomes "docker.io"; with neither tag nor digest the tag is "latest".
/// </summary>
/// <param name="Registry">Registry host[:port] (e.g. "ghcr.io", "docker.io", "127.0.5.1:5000").</param>
/// <param name="Repository">Repository path without the registry (e.g. "siderolabs/installer").</param>
/// <param name="Tag">Tag, or null when only a digest was given.</param>
/// <param name="Digest">"sha256:&lt;64 hex&gt;", or null.</param>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary>Docker Hub's canonical name.</summary>
    public const string DefaultRegistry = "docker.io";

    private const int NameTotalLengthMax = 255;

    /// <summary>Registry plus repository, e.g. "ghcr.io/siderolabs/installer".</summary>
    public string Name => Registry + "/" + Repository;

    /// <summary>What to ask the registry for: the digest when pinned, else the tag.</summary>
    public string ManifestReference => Digest ?? Tag!;

    /// <summary>Full normalised form: registry/repository[:tag][@digest].</summary>
    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>The same repository with another tag and no digest (used for signature tags).</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    /// <summary>The same repository pinned to <paramref name="digest"/> (tag kept for display).</summary>
    public ImageReference WithDigest(string digest) => this with { Digest = digest };

    /// <summary>Parses <paramref name="text"/>; throws <see cref="InvalidImageReferenceException"/> with the reason.</summary>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new InvalidImageReferenceException(text, "empty reference");
        if (AnchoredIdentifier().IsMatch(text)) throw new InvalidImageReferenceException(text, "a 64-character hexadecimal string is an image ID, not a repository name");
        string? digest = null;
        var rest = text;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!Sha256Digest().IsMatch(digest)) throw new InvalidImageReferenceException(text, $"digest \"{digest}\" is not sha256:<64 lower-case hex>");
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag)) throw new InvalidImageReferenceException(text, $"tag \"{tag}\" must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}");
        }
        var (registry, repository) = SplitDomain(rest);
        if (!DomainPattern().IsMatch(registry)) throw new InvalidImageReferenceException(text, $"registry \"{registry}\" is not a valid host[:port]");
        if (repository.Any(char.IsUpper)) throw new InvalidImageReferenceException(text, "repository name must be lowercase");
        if (!PathPattern().IsMatch(repository)) throw new InvalidImageReferenceException(text, $"repository \"{repository}\" has an invalid path component");
        if (registry.Length + 1 + repository.Length > NameTotalLengthMax) throw new InvalidImageReferenceException(text, $"repository name is longer than {NameTotalLengthMax} characters");
        if (tag is null && digest is null) tag = "latest";
        return new ImageReference(registry, repository, tag, digest);
    }

    /// <summary>Like <see cref="Parse"/> but returns false instead of throwing.</summary>
    public static bool TryParse(string text, out ImageReference? reference)
    {
        try { reference = Parse(text); return true; }
        catch (InvalidImageReferenceException) { reference = null; return false; }
    }

    private static (string Registry, string Repository) SplitDomain(string name)
    {
        var i = name.IndexOf('/');
        string domain, remainder;
        if (i == -1 || (name[..i].IndexOfAny(['.', ':']) < 0 && name[..i] != "localhost" && name[..i].ToLowerInvariant() == name[..i]))
            (domain, remainder) = (DefaultRegistry, name);
        else
            (domain, remainder) = (name[..i], name[(i + 1)..]);
        if (domain == "index.docker.io") domain = DefaultRegistry;
        if (domain == DefaultRegistry && !remainder.Contains('/')) remainder = "library/" + remainder;
        return (domain, remainder);
    }

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex AnchoredIdentifier();

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Sha256Digest();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex PathPattern();
}
