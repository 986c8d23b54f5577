using System.Globalization;

namespace Talos.Core.Config.Yaml;

/// <summary>
/// Binds one YAML map to a typed record: each accessor consumes a key; <see cref="Done"/> reports every key
/// that was not consumed as an unknown field (upstream rejects unknown fields too). Issues accumulate in a
/// shared list so that one parse reports all problems at once.
/// </summary>
internal sealed class MapReader
{
    private readonly YMap _map;
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    internal MapReader(YMap map, string path, List<ConfigIssue> issues)
    {
        _map = map;
        Path = path;
        Issues = issues;
    }

    internal string Path { get; }

    internal List<ConfigIssue> Issues { get; }

    private string Sub(string key) => Path.Length == 0 ? key : Path + "." + key;

    private YNode? Take(string key)
    {
        _consumed.Add(key);
        var v = _map.Get(key);
        return v is YScalar { IsNull: true } ? null : v;
    }

    private void Error(YNode at, string key, string message) => Issues.Add(new ConfigIssue(at.Line, at.Column, Sub(key), message));

    internal string Str(string key)
    {
        var v = Take(key);
        if (v is null) return "";
        if (v is YScalar s) return s.Value;
        Error(v, key, "expected a string");
        return "";
    }

    internal bool Bool(string key)
    {
        var v = Take(key);
        if (v is null) return false;
        if (v is YScalar { Style: ScalarStyle.Plain } s && s.Value is "true" or "false")
            return s.Value == "true";
        Error(v, key, "expected true or false");
        return false;
    }

    internal int Int(string key, int whenMissing = 0)
    {
        var v = Take(key);
        if (v is null) return whenMissing;
        if (v is YScalar { Style: ScalarStyle.Plain } s && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
            return i;
        Error(v, key, "expected an integer");
        return whenMissing;
    }

    internal ValueList<string> Strs(string key)
    {
        var v = Take(key);
        if (v is null) return ValueList<string>.Empty;
        if (v is YSeq q && q.Items.All(i => i is YScalar))
            return new(q.Items.Cast<YScalar>().Select(s => s.Value));
        Error(v, key, "expected a list of strings");
        return ValueList<string>.Empty;
    }

    internal ValueMap<string> StrMap(string key)
    {
        var v = Take(key);
        if (v is null) return ValueMap<string>.Empty;
        if (v is YMap m && m.Entries.All(e => e.Value is YScalar))
            return new(m.Entries.Select(e => KeyValuePair.Create(e.Key, ((YScalar)e.Value).Value)));
        Error(v, key, "expected a map of strings");
        return ValueMap<string>.Empty;
    }

    internal T? Obj<T>(string key, Func<MapReader, T> read) where T : class
    {
        var v = Take(key);
        if (v is null) return null;
        if (v is YMap m) return ReadAll(new MapReader(m, Sub(key), Issues), read);
        Error(v, key, "expected a map");
        return null;
    }

    internal ValueList<T> Objs<T>(string key, Func<MapReader, T> read)
    {
        var v = Take(key);
        if (v is null) return ValueList<T>.Empty;
        if (v is YSeq q && q.Items.All(i => i is YMap))
            return new(q.Items.Select((i, n) => ReadAll(new MapReader((YMap)i, $"{Sub(key)}[{n}]", Issues), read)));
        Error(v, key, "expected a list of maps");
        return ValueList<T>.Empty;
    }

    internal ValueMap<T> ObjMap<T>(string key, Func<MapReader, T> read)
    {
        var v = Take(key);
        if (v is null) return ValueMap<T>.Empty;
        if (v is YMap m && m.Entries.All(e => e.Value is YMap))
            return new(m.Entries.Select(e => KeyValuePair.Create(e.Key, ReadAll(new MapReader((YMap)e.Value, $"{Sub(key)}.{e.Key}", Issues), read))));
        Error(v, key, "expected a map of maps");
        return ValueMap<T>.Empty;
    }

    internal static T ReadAll<T>(MapReader r, Func<MapReader, T> read)
    {
        var t = read(r);
        r.Done();
        return t;
    }

    /// <summary>Reports keys that no accessor consumed.</summary>
    internal void Done()
    {
        foreach (var e in _map.Entries.Where(e => !_consumed.Contains(e.Key)))
            Issues.Add(new ConfigIssue(e.Line, e.Column, Sub(e.Key), $"unknown field \"{e.Key}\""));
    }
}

/// <summary>Builds a YAML map from a typed record; default values are omitted so output stays minimal and canonical.</summary>
internal sealed class MapWriter
{
    private readonly List<YEntry> _entries = [];

    internal MapWriter Str(string key, string v)
    {
        if (v.Length > 0) _entries.Add(new YEntry(key, YScalar.Str(v)));
        return this;
    }

    internal MapWriter Bool(string key, bool v, bool always = false)
    {
        if (v || always) _entries.Add(new YEntry(key, YScalar.Plain(v ? "true" : "false")));
        return this;
    }

    internal MapWriter Int(string key, int v)
    {
        if (v != 0) _entries.Add(new YEntry(key, YScalar.Plain(v.ToString(CultureInfo.InvariantCulture))));
        return this;
    }

    internal MapWriter Strs(string key, IReadOnlyList<string> v)
    {
        if (v.Count > 0) _entries.Add(new YEntry(key, new YSeq(v.Select(s => (YNode)YScalar.Str(s)).ToList())));
        return this;
    }

    internal MapWriter StrMap(string key, ValueMap<string> v)
    {
        if (v.Count > 0) _entries.Add(new YEntry(key, new YMap(v.Select(kv => new YEntry(kv.Key, YScalar.Str(kv.Value))).ToList())));
        return this;
    }

    internal MapWriter Obj(string key, YMap? v)
    {
        if (v is not null) _entries.Add(new YEntry(key, v));
        return this;
    }

    internal MapWriter Objs<T>(string key, IReadOnlyList<T> v, Func<T, YMap> write)
    {
        if (v.Count > 0) _entries.Add(new YEntry(key, new YSeq(v.Select(i => (YNode)write(i)).ToList())));
        return this;
    }

    internal MapWriter ObjMap<T>(string key, ValueMap<T> v, Func<T, YMap> write)
    {
        if (v.Count > 0) _entries.Add(new YEntry(key, new YMap(v.Select(kv => new YEntry(kv.Key, write(kv.Value))).ToList())));
        return this;
    }

    internal YMap Build() => new(_entries);
}
