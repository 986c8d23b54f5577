using Talos.Core.Config.Yaml;
using Talos.Core.Errors;

namespace Talos.Core.Config;

/// <summary>
/// A config patch, as upstream's <c>--config-patch</c>: a strategic merge patch (YAML config documents) or an
/// RFC 6902 JSON patch (a list of <c>{op, path, value, from}</c>, in JSON or YAML). Patches apply in order.
/// </summary>
public abstract class ConfigPatch
{
    /// <summary>Applies the patch to the documents of a config; <paramref name="index"/> numbers errors.</summary>
    internal abstract IReadOnlyList<YNode> Apply(IReadOnlyList<YNode> documents, int index);

    /// <summary>Reads a patch: a YAML/JSON list of ops is a JSON patch, map documents are a strategic merge patch.</summary>
    /// <exception cref="ConfigPatchException">Neither form.</exception>
    public static ConfigPatch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<YNode> docs;
        try
        {
            docs = YamlText.Parse(text);
        }
        catch (ConfigParseException ex)
        {
            throw new ConfigPatchException(0, "", "not YAML or JSON: " + ex.Issues[0]);
        }
        docs = docs.Where(d => d is not YScalar { IsNull: true }).ToList();
        if (docs.Count == 1 && docs[0] is YSeq seq)
            return JsonPatch.FromNode(seq);
        if (docs.Count > 0 && docs.All(d => d is YMap))
            return new StrategicMergePatch(docs.Cast<YMap>().ToList());
        throw new ConfigPatchException(0, "", "a patch must be config documents (strategic merge) or a list of JSON patch operations");
    }
}

/// <summary>
/// Strategic merge (upstream configpatcher): documents matched by kind (the v1alpha1 document has none); maps merge
/// per key; lists append, except <see cref="ReplacedLists"/>; scalars overwrite unless the patch value is zero
/// (null, "" or plain 0 — but <c>false</c> always overwrites); <c>$patch: delete</c> removes a field or document.
/// </summary>
public sealed class StrategicMergePatch : ConfigPatch
{
    /// <summary>Lists that a patch replaces instead of appending to (as upstream's merge:"replace" tags).</summary>
    public static IReadOnlySet<string> ReplacedLists { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "cluster.network.podSubnets", "cluster.network.serviceSubnets",
    };

    private readonly IReadOnlyList<YMap> _documents;

    /// <summary>Creates the patch from patch documents.</summary>
    public StrategicMergePatch(IReadOnlyList<YMap> documents) => _documents = documents;

    internal override IReadOnlyList<YNode> Apply(IReadOnlyList<YNode> documents, int index)
    {
        var result = documents.ToList();
        foreach (var patch in _documents)
        {
            var kind = (patch.Get("kind") as YScalar)?.Value;
            var at = result.FindIndex(d => d is YMap m && (m.Get("kind") as YScalar)?.Value == kind);
            if (IsDelete(patch))
            {
                if (at >= 0) result.RemoveAt(at);
                continue;
            }
            if (at < 0)
                result.Add(Strip(patch));
            else
                result[at] = Merge(result[at], patch, "", index);
        }
        return result;
    }

    private static bool IsDelete(YNode n) => n is YMap m && m.Get("$patch") is YScalar { Value: "delete" };

    private static YNode Strip(YNode n) => n switch
    {
        YMap m => new YMap(m.Entries.Where(e => e.Key != "$patch" && !IsDelete(e.Value)).Select(e => e with { Value = Strip(e.Value) }).ToList(), m.Line, m.Column),
        YSeq s => new YSeq(s.Items.Select(Strip).ToList(), s.Line, s.Column),
        _ => n,
    };

    private static bool IsZero(YScalar s) => s.IsNull || s.Value.Length == 0 || (s.Style == ScalarStyle.Plain && s.Value == "0");

    internal static YNode Merge(YNode target, YNode patch, string path, int index)
    {
        switch (target, patch)
        {
            case (_, YScalar p) when p.IsNull:
                return target;
            case (YScalar { IsNull: true }, _):
                return Strip(patch);
            case (YMap t, YMap p):
                foreach (var e in p.Entries.Where(e => e.Key != "$patch"))
                {
                    var sub = path.Length == 0 ? e.Key : path + "." + e.Key;
                    if (IsDelete(e.Value))
                        t = t.Remove(e.Key);
                    else
                        t = t.Set(e.Key, t.Get(e.Key) is { } existing ? Merge(existing, e.Value, sub, index) : Strip(e.Value));
                }
                return t;
            case (YSeq t, YSeq p):
                return ReplacedLists.Contains(path) ? Strip(p) : new YSeq([.. t.Items, .. p.Items.Select(Strip)], t.Line, t.Column);
            case (YScalar, YScalar p):
                return IsZero(p) && p.Value != "false" ? target : p;
            default:
                throw new ConfigPatchException(index, path, $"cannot merge a {Describe(patch)} into a {Describe(target)}");
        }
    }

    private static string Describe(YNode n) => n switch { YMap => "map", YSeq => "list", _ => "scalar" };
}
