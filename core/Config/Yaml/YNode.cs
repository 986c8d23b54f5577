namespace Talos.Core.Config.Yaml;

/// <summary>How a scalar was written: plain (type decided by the schema) or quoted (always a string).</summary>
public enum ScalarStyle
{
    /// <summary>Plain scalar: may be a bool, an int, null or a string.</summary>
    Plain,
    /// <summary>Quoted scalar: always a string.</summary>
    Quoted,
}

/// <summary>
/// A small immutable YAML tree used for binding, patches and canonical output. Maps keep key order;
/// <see cref="Line"/>/<see cref="Column"/> are 1-based source positions (0 for nodes built in code).
/// </summary>
public abstract record YNode(int Line, int Column)
{
    /// <summary>Structural equality ignoring positions and scalar style differences that do not change meaning.</summary>
    public abstract bool SameAs(YNode other);
}

/// <summary>A scalar. <c>null</c>/<c>~</c>/empty plain scalars are YAML null.</summary>
public sealed record YScalar(string Value, ScalarStyle Style, int Line = 0, int Column = 0) : YNode(Line, Column)
{
    /// <summary>True for a plain null (<c>null</c>, <c>~</c>, empty).</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "null" or "~" or "Null" or "NULL";

    /// <summary>A string scalar.</summary>
    public static YScalar Str(string v) => new(v, ScalarStyle.Quoted);

    /// <summary>A plain scalar (bool, number).</summary>
    public static YScalar Plain(string v) => new(v, ScalarStyle.Plain);

    /// <inheritdoc />
    public override bool SameAs(YNode other) => other is YScalar s && s.Value == Value && s.IsNull == IsNull;
}

/// <summary>A sequence.</summary>
public sealed record YSeq(IReadOnlyList<YNode> Items, int Line = 0, int Column = 0) : YNode(Line, Column)
{
    /// <inheritdoc />
    public override bool SameAs(YNode other) =>
        other is YSeq s && s.Items.Count == Items.Count && Items.Zip(s.Items).All(p => p.First.SameAs(p.Second));
}

/// <summary>A key/value entry of a map, with the key's position.</summary>
public sealed record YEntry(string Key, YNode Value, int Line = 0, int Column = 0);

/// <summary>A mapping with string keys, in document order.</summary>
public sealed record YMap(IReadOnlyList<YEntry> Entries, int Line = 0, int Column = 0) : YNode(Line, Column)
{
    /// <summary>An empty map.</summary>
    public static YMap Empty { get; } = new([]);

    /// <summary>Value of <paramref name="key"/> or null.</summary>
    public YNode? Get(string key) => Entries.FirstOrDefault(e => e.Key == key)?.Value;

    /// <summary>A copy with <paramref name="key"/> set (replaced in place, or appended).</summary>
    public YMap Set(string key, YNode value)
    {
        var list = Entries.ToList();
        var i = list.FindIndex(e => e.Key == key);
        if (i >= 0)
            list[i] = list[i] with { Value = value };
        else
            list.Add(new YEntry(key, value));
        return this with { Entries = list };
    }

    /// <summary>A copy without <paramref name="key"/>.</summary>
    public YMap Remove(string key) => this with { Entries = Entries.Where(e => e.Key != key).ToList() };

    /// <inheritdoc />
    public override bool SameAs(YNode other) =>
        other is YMap m && m.Entries.Count == Entries.Count
        && Entries.All(e => m.Get(e.Key) is { } v && e.Value.SameAs(v));
}
