using System.Collections;

namespace Talos.Core.Config;

/// <summary>An immutable list with structural equality, so config records compare by value.</summary>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    /// <summary>Creates the list.</summary>
    public ValueList(IEnumerable<T> items) => _items = items.ToArray();

    /// <summary>The empty list.</summary>
    public static ValueList<T> Empty { get; } = new([]);

    /// <inheritdoc />
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc />
    public bool Equals(ValueList<T>? other) => other is not null && _items.SequenceEqual(other._items);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var i in _items)
            h.Add(i);
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", _items) + "]";

    /// <summary>Implicit conversion from an array.</summary>
    public static implicit operator ValueList<T>(T[] items) => new(items);
}

/// <summary>An immutable string-keyed map, sorted by key (ordinal), with structural equality.</summary>
public sealed class ValueMap<T> : IReadOnlyDictionary<string, T>, IEquatable<ValueMap<T>>
{
    private readonly SortedDictionary<string, T> _map;

    /// <summary>Creates the map (duplicate keys: last wins).</summary>
    public ValueMap(IEnumerable<KeyValuePair<string, T>> items)
    {
        _map = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach (var (k, v) in items)
            _map[k] = v;
    }

    /// <summary>The empty map.</summary>
    public static ValueMap<T> Empty { get; } = new([]);

    /// <inheritdoc />
    public T this[string key] => _map[key];

    /// <inheritdoc />
    public IEnumerable<string> Keys => _map.Keys;

    /// <inheritdoc />
    public IEnumerable<T> Values => _map.Values;

    /// <inheritdoc />
    public int Count => _map.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _map.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, out T value) => _map.TryGetValue(key, out value!);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => _map.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _map.GetEnumerator();

    /// <inheritdoc />
    public bool Equals(ValueMap<T>? other) => other is not null && _map.Count == other._map.Count
        && _map.All(kv => other._map.TryGetValue(kv.Key, out var v) && EqualityComparer<T>.Default.Equals(kv.Value, v));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ValueMap<T>);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var (k, v) in _map)
        {
            h.Add(k);
            h.Add(v);
        }
        return h.ToHashCode();
    }
}
