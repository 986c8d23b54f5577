namespace Talos.Upgrade.Forensics;

/// <summary>
/// A known-good image list: one <c>&lt;digest&gt; &lt;version&gt;</c> per line, digest as 64 hex characters with or without
/// "sha256:", '#' starts a comment, blank lines ignored. Digests are stored lower-case without the prefix, as events
/// record them.
/// </summary>
public sealed class KnownGoodList
{
    private readonly Dictionary<string, string> _versions;

    private KnownGoodList(Dictionary<string, string> versions) => _versions = versions;

    /// <summary>Number of entries.</summary>
    public int Count => _versions.Count;

    /// <summary>The entries in digest order (sent to a node for online forensics).</summary>
    public IEnumerable<(string Digest, string Version)> Entries => _versions.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value));

    /// <summary>The version listed for <paramref name="digest"/>, or null when it is not known-good.</summary>
    public string? VersionOf(string digest) => _versions.GetValueOrDefault(Normalize(digest));

    /// <summary>Parses the list; throws <see cref="KnownGoodListFormatException"/> on the first bad line.</summary>
    public static KnownGoodList Parse(string text, string source = "known-good list")
    {
        ArgumentNullException.ThrowIfNull(text);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new KnownGoodListFormatException(source, i + 1, $"expected '<digest> <version>', got {parts.Length} fields");
            var digest = Normalize(parts[0]);
            if (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower))
                throw new KnownGoodListFormatException(source, i + 1, $"'{parts[0]}' is not a SHA-256 digest (64 hex characters, optional sha256: prefix)");
            if (map.TryGetValue(digest, out var other) && other != parts[1])
                throw new KnownGoodListFormatException(source, i + 1, $"digest {digest} is listed twice, as {other} and {parts[1]}");
            map[digest] = parts[1];
        }
        return new KnownGoodList(map);
    }

    /// <summary>Lower-case hex without "sha256:".</summary>
    public static string Normalize(string digest) =>
        (digest.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? digest[7..] : digest).ToLowerInvariant();
}
