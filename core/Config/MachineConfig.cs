using System.Security.Cryptography;
using System.Text;
using Talos.Core.Config.Yaml;
using Talos.Core.Errors;

namespace Talos.Core.Config;

/// <summary>
/// A Talos machine config file (v1alpha1 subset of talos-internals.md §8, plus our <c>machine.upgrade</c> and
/// <c>audit</c> extensions, plus an optional <c>HostnameConfig</c> document). Immutable with value equality.
/// Canonical form: <see cref="ToYaml"/> (schema field order, free-form maps sorted, defaults omitted);
/// <see cref="Digest"/> is the SHA-256 of it. Format: specs/formats/machine-config.md.
/// </summary>
public sealed record MachineConfig(string Version, bool Debug, bool Persist, MachineSection? Machine, ClusterSection? Cluster,
    AuditConfig? Audit, HostnameDocument? Hostname)
{
    /// <summary>The only supported version.</summary>
    public const string V1Alpha1 = "v1alpha1";

    /// <summary>Parses a (multi-document) YAML config. Unknown fields and type errors are reported all at once.</summary>
    /// <exception cref="ConfigParseException">The text is not a readable config.</exception>
    public static MachineConfig Parse(string yaml) => FromDocuments(YamlText.Parse(yaml));

    /// <summary>Binds parsed documents (one v1alpha1 document, at most one HostnameConfig).</summary>
    public static MachineConfig FromDocuments(IReadOnlyList<YNode> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var issues = new List<ConfigIssue>();
        MachineConfig? main = null;
        HostnameDocument? hostname = null;
        foreach (var doc in documents)
        {
            if (doc is YScalar { IsNull: true })
                continue; // empty document (e.g. a trailing ---)
            if (doc is not YMap map)
            {
                issues.Add(new ConfigIssue(doc.Line, doc.Column, "", "a config document must be a map"));
                continue;
            }
            if (map.Get("kind") is { } kind)
            {
                var k = (kind as YScalar)?.Value ?? "";
                if (k != "HostnameConfig")
                    issues.Add(new ConfigIssue(kind.Line, kind.Column, "kind", $"unknown document kind \"{k}\""));
                else if (hostname is not null)
                    issues.Add(new ConfigIssue(kind.Line, kind.Column, "kind", "duplicate HostnameConfig document"));
                else
                    hostname = MapReader.ReadAll(new MapReader(map, "HostnameConfig", issues), ConfigReader.Hostname);
            }
            else if (main is not null)
                issues.Add(new ConfigIssue(map.Line, map.Column, "", "more than one v1alpha1 document"));
            else
                main = MapReader.ReadAll(new MapReader(map, "", issues), ConfigReader.Root);
        }
        if (main is null && issues.Count == 0)
            issues.Add(new ConfigIssue(0, 0, "", "no v1alpha1 config document found"));
        if (issues.Count > 0)
            throw new ConfigParseException(issues);
        return main! with { Hostname = hostname };
    }

    /// <summary>The documents of the canonical form.</summary>
    public IReadOnlyList<YNode> ToDocuments()
    {
        var docs = new List<YNode> { ConfigWriter.Root(this) };
        if (Hostname is not null)
            docs.Add(ConfigWriter.Hostname(Hostname));
        return docs;
    }

    /// <summary>Canonical YAML text.</summary>
    public string ToYaml() => YamlText.Write(ToDocuments());

    /// <summary>Canonical bytes (UTF-8 of <see cref="ToYaml"/>): what STATE stores and what is digested.</summary>
    public byte[] CanonicalBytes() => Encoding.UTF8.GetBytes(ToYaml());

    /// <summary>Lower-case hex SHA-256 of <see cref="CanonicalBytes"/> (ConfigApplied.digest).</summary>
    public string Digest => Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes()));

    /// <summary>Validates the config; all problems at once, in upstream's wording where upstream has one.</summary>
    public ConfigValidation Validate() => ConfigValidator.Validate(this);

    /// <summary>Throws <see cref="ConfigValidationException"/> listing every error if the config is invalid.</summary>
    public MachineConfig EnsureValid()
    {
        var v = Validate();
        if (v.Errors.Count > 0)
            throw new ConfigValidationException(v.Errors);
        return this;
    }

    /// <summary>Applies patches in order (strategic merge or JSON 6902); the result is re-read strictly.</summary>
    /// <exception cref="ConfigPatchException">A patch could not be applied.</exception>
    /// <exception cref="ConfigParseException">The patched config has unknown fields or wrong types.</exception>
    public MachineConfig ApplyPatches(IEnumerable<ConfigPatch> patches)
    {
        ArgumentNullException.ThrowIfNull(patches);
        IReadOnlyList<YNode> docs = ToDocuments();
        var i = 0;
        foreach (var p in patches)
            docs = p.Apply(docs, i++);
        return FromDocuments(docs);
    }

    /// <summary>Dotted paths of the leaves that differ between two configs, sorted (ConfigApplied.changed_paths).</summary>
    public static IReadOnlyList<string> ChangedPaths(MachineConfig before, MachineConfig after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = before.ToDocuments();
        var b = after.ToDocuments();
        var changes = new SortedSet<string>(StringComparer.Ordinal);
        for (var d = 0; d < Math.Max(a.Count, b.Count); d++)
            TreeDiff.Collect(d < a.Count ? a[d] : null, d < b.Count ? b[d] : null, d == 0 ? "" : "HostnameConfig", changes);
        return [.. changes];
    }
}

/// <summary>Result of <see cref="MachineConfig.Validate"/>.</summary>
/// <param name="Errors">Fatal problems (the config must not be applied).</param>
/// <param name="Warnings">Non-fatal notes.</param>
public sealed record ConfigValidation(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;
}

internal static class TreeDiff
{
    internal static void Collect(YNode? a, YNode? b, string path, SortedSet<string> changes)
    {
        if (a is YMap ma && b is YMap mb)
        {
            foreach (var key in ma.Entries.Select(e => e.Key).Union(mb.Entries.Select(e => e.Key)))
                Collect(ma.Get(key), mb.Get(key), path.Length == 0 ? key : path + "." + key, changes);
            return;
        }
        if (a is null && b is null)
            return;
        if (a is null || b is null || !a.SameAs(b))
            changes.Add(path);
    }
}
