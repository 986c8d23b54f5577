using Talos.Core.Config.Yaml;
using Talos.Core.Errors;

namespace Talos.Ctl.Gen;

/// <summary>One name change made while merging kubeconfigs.</summary>
/// <param name="Kind">cluster, user or context.</param>
/// <param name="From">The incoming name.</param>
/// <param name="To">The name it got in the merged file.</param>
public sealed record KubeconfigRename(string Kind, string From, string To)
{
    /// <inheritdoc />
    public override string ToString() => $"renamed {Kind} \"{From}\" -> \"{To}\"";
}

/// <summary>Result of a merge: the merged YAML and the renames made.</summary>
/// <param name="Yaml">The merged kubeconfig.</param>
/// <param name="Renames">Incoming entries that clashed and were renamed.</param>
public sealed record KubeconfigMergeResult(string Yaml, IReadOnlyList<KubeconfigRename> Renames);

/// <summary>
/// Merges a kubeconfig into an existing one as <c>talosctl kubeconfig --merge</c> does non-interactively: an
/// incoming cluster, user or context whose name is free is added; one identical to the existing entry of that name
/// is reused; one that differs (a fresh client certificate always does) is renamed <c>name-1</c>, <c>name-2</c>, ...
/// Contexts follow the renames of their cluster and user, and the incoming current context becomes current.
/// Every other field of the existing file (preferences, extensions, unrelated entries) is kept as it was.
/// </summary>
public static class KubeconfigMerge
{
    private static readonly string[] Sections = ["clusters", "users", "contexts"];

    /// <summary>
    /// Merges <paramref name="incoming"/> into <paramref name="existing"/> ("" = an empty file). With
    /// <paramref name="overwrite"/> (upstream's <c>--merge --force</c>) a clashing entry replaces the existing one
    /// of that name instead of being renamed.
    /// </summary>
    /// <exception cref="KubeconfigException">Either text is not a kubeconfig.</exception>
    public static KubeconfigMergeResult Merge(string existing, string incoming, bool overwrite = false)
    {
        var baseMap = Read(existing, "existing kubeconfig", allowEmpty: true);
        var inMap = Read(incoming, "new kubeconfig", allowEmpty: false);
        var renames = new List<KubeconfigRename>();
        var clusterNames = MergeSection(ref baseMap, inMap, "clusters", "cluster", renames, null, overwrite);
        var userNames = MergeSection(ref baseMap, inMap, "users", "user", renames, null, overwrite);
        var contextNames = MergeSection(ref baseMap, inMap, "contexts", "context", renames,
            ctx => Remap(ctx, clusterNames, userNames), overwrite);
        if (inMap.Get("current-context") is YScalar { IsNull: false } cur)
            baseMap = baseMap.Set("current-context", YScalar.Str(contextNames.GetValueOrDefault(cur.Value, cur.Value)));
        foreach (var (key, value) in new[] { ("apiVersion", "v1"), ("kind", "Config") })
            if (baseMap.Get(key) is null)
                baseMap = baseMap.Set(key, YScalar.Str(value));
        return new KubeconfigMergeResult(YamlText.Write([Order(baseMap)]), renames);
    }

    private static Dictionary<string, string> MergeSection(ref YMap target, YMap incoming, string section, string kind,
        List<KubeconfigRename> renames, Func<YMap, YMap>? transform, bool overwrite)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = Entries(target, section).ToList();
        foreach (var entry in Entries(incoming, section))
        {
            var item = transform is null ? entry : transform(entry);
            var name = NameOf(item);
            if (overwrite && list.FindIndex(e => NameOf(e) == name) is var at and >= 0)
            {
                list[at] = item;
                names[name] = name;
                continue;
            }
            var final = name;
            for (var i = 1; list.FirstOrDefault(e => NameOf(e) == final) is { } clash; i++)
            {
                if (clash.SameAs(item.Set("name", YScalar.Str(final))))
                    break;
                final = $"{name}-{i}";
            }
            names[name] = final;
            if (final != name)
                renames.Add(new KubeconfigRename(kind, name, final));
            if (!list.Any(e => NameOf(e) == final))
                list.Add(item.Set("name", YScalar.Str(final)));
        }
        target = target.Set(section, new YSeq(list));
        return names;
    }

    private static YMap Remap(YMap context, Dictionary<string, string> clusters, Dictionary<string, string> users)
    {
        if (context.Get("context") is not YMap body)
            return context;
        foreach (var (field, map) in new[] { ("cluster", clusters), ("user", users) })
            if (body.Get(field) is YScalar s && map.TryGetValue(s.Value, out var renamed))
                body = body.Set(field, YScalar.Str(renamed));
        return context.Set("context", body);
    }

    private static IEnumerable<YMap> Entries(YMap config, string section) => config.Get(section) switch
    {
        YSeq seq => seq.Items.Select(i => i as YMap ?? throw new KubeconfigException($"{section}: every entry must be a map")),
        null or YScalar { IsNull: true } => [],
        _ => throw new KubeconfigException($"{section}: expected a list"),
    };

    private static string NameOf(YMap entry) => (entry.Get("name") as YScalar)?.Value
        ?? throw new KubeconfigException("an entry has no name");

    // kubectl's own key order, so that a merged file reads like one kubectl wrote.
    private static YMap Order(YMap m)
    {
        string[] order = ["apiVersion", "kind", "clusters", "users", "contexts", "current-context"];
        var known = order.Where(k => m.Get(k) is not null).Select(k => new YEntry(k, m.Get(k)!));
        return new YMap(known.Concat(m.Entries.Where(e => !order.Contains(e.Key))).ToList());
    }

    private static YMap Read(string text, string what, bool allowEmpty)
    {
        IReadOnlyList<YNode> docs;
        try
        {
            docs = YamlText.Parse(text).Where(d => d is not YScalar { IsNull: true }).ToList();
        }
        catch (ConfigParseException e)
        {
            throw new KubeconfigException($"{what}: {e.Issues[0]}");
        }
        if (docs.Count == 0 && allowEmpty)
            return YMap.Empty;
        if (docs is not [YMap map])
            throw new KubeconfigException($"{what}: expected one YAML map");
        foreach (var section in Sections)
            _ = Entries(map, section).Select(NameOf).ToList();
        return map;
    }
}
