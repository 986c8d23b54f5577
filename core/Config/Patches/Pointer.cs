using System.Globalization;
using Talos.Core.Config.Yaml;
using Talos.Core.Errors;

namespace Talos.Core.Config;

/// <summary>RFC 6901 JSON pointers over <see cref="YNode"/> trees (immutable updates).</summary>
internal static class Pointer
{
    internal static IReadOnlyList<string> Parse(string pointer, int index)
    {
        if (pointer.Length == 0)
            return [];
        if (pointer[0] != '/')
            throw new ConfigPatchException(index, pointer, "a JSON pointer must be empty or start with \"/\"");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    internal static YNode Get(YNode doc, IReadOnlyList<string> path, int index, string raw)
    {
        var n = doc;
        for (var i = 0; i < path.Count; i++)
            n = Child(n, path[i], index, raw, i, path) ?? throw NotFound(index, raw, path, i);
        return n;
    }

    private static YNode? Child(YNode n, string token, int index, string raw, int depth, IReadOnlyList<string> path) => n switch
    {
        YMap m => m.Get(token),
        YSeq s => s.Items.ElementAtOrDefault(SeqIndex(s, token, index, raw, allowEnd: false)),
        _ => throw new ConfigPatchException(index, raw, $"\"{Prefix(path, depth)}\" is a scalar, it has no \"{token}\""),
    };

    private static int SeqIndex(YSeq s, string token, int index, string raw, bool allowEnd)
    {
        if (allowEnd && token == "-")
            return s.Items.Count;
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) || (token.Length > 1 && token[0] == '0'))
            throw new ConfigPatchException(index, raw, $"\"{token}\" is not a list index");
        var max = allowEnd ? s.Items.Count : s.Items.Count - 1;
        if (i > max)
            throw new ConfigPatchException(index, raw, $"index {i} is out of range (list has {s.Items.Count} items)");
        return i;
    }

    private static ConfigPatchException NotFound(int index, string raw, IReadOnlyList<string> path, int depth) =>
        new(index, raw, $"path not found: no \"{path[depth]}\" in \"{Prefix(path, depth)}\"");

    private static string Prefix(IReadOnlyList<string> path, int depth) => depth == 0 ? "/" : "/" + string.Join("/", path.Take(depth));

    /// <summary>Rebuilds the tree with the parent of the last token transformed by <paramref name="edit"/>.</summary>
    private static YNode Update(YNode n, IReadOnlyList<string> path, int depth, Func<YNode, YNode> edit, int index, string raw)
    {
        if (depth == path.Count - 1)
            return edit(n);
        var child = Child(n, path[depth], index, raw, depth, path) ?? throw NotFound(index, raw, path, depth);
        var updated = Update(child, path, depth + 1, edit, index, raw);
        return n switch
        {
            YMap m => m.Set(path[depth], updated),
            YSeq s => s with { Items = s.Items.Select((x, i) => i == SeqIndex(s, path[depth], index, raw, false) ? updated : x).ToList() },
            _ => throw new ConfigPatchException(index, raw, "unreachable"),
        };
    }

    internal static YNode Add(YNode doc, IReadOnlyList<string> path, YNode value, int index, string raw)
    {
        if (path.Count == 0)
            return value;
        var last = path[^1];
        return Update(doc, path, 0, parent => parent switch
        {
            YMap m => m.Set(last, value),
            YSeq s => s with { Items = [.. s.Items.Take(SeqIndex(s, last, index, raw, true)), value, .. s.Items.Skip(SeqIndex(s, last, index, raw, true))] },
            _ => throw new ConfigPatchException(index, raw, $"cannot add \"{last}\" to a scalar"),
        }, index, raw);
    }

    internal static YNode Remove(YNode doc, IReadOnlyList<string> path, int index, string raw)
    {
        if (path.Count == 0)
            throw new ConfigPatchException(index, raw, "cannot remove the whole document");
        Get(doc, path, index, raw);
        var last = path[^1];
        return Update(doc, path, 0, parent => parent switch
        {
            YMap m => m.Remove(last),
            YSeq s => s with { Items = s.Items.Where((_, i) => i != SeqIndex(s, last, index, raw, false)).ToList() },
            _ => throw new ConfigPatchException(index, raw, "cannot remove from a scalar"),
        }, index, raw);
    }

    /// <summary>Replaces an existing value in place (map key order and list position are kept).</summary>
    internal static YNode Replace(YNode doc, IReadOnlyList<string> path, YNode value, int index, string raw)
    {
        if (path.Count == 0)
            return value;
        Get(doc, path, index, raw);
        var last = path[^1];
        return Update(doc, path, 0, parent => parent switch
        {
            YMap m => m.Set(last, value),
            YSeq s => s with { Items = s.Items.Select((x, i) => i == SeqIndex(s, last, index, raw, false) ? value : x).ToList() },
            _ => throw new ConfigPatchException(index, raw, "cannot replace inside a scalar"),
        }, index, raw);
    }
}
