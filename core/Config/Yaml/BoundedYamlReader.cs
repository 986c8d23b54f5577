using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using Talos.Core.Errors;

namespace Talos.Core.Config.Yaml;

/// <summary>
/// Builds <see cref="YNode"/> documents from YamlDotNet's event parser with an explicit stack (no recursion), checking
/// <see cref="YamlLimits"/> at every event: the depth when a map or list opens, the node count and the alias count as
/// they grow. Reading stops at the first crossed bound, so the work done is linear in the text and bounded by the
/// limits. An alias stands for the (immutable, shared) node of its anchor and counts as all of that node's nodes, so
/// a "billion laughs" text stops at <see cref="YamlLimits.MaxNodes"/> instead of expanding. Duplicate keys are found
/// with a set per map (a list scan made 500,000 keys cost minutes: issue 22).
/// </summary>
internal sealed class BoundedYamlReader
{
    private readonly YamlLimits _limits;
    private readonly List<Frame> _stack = [];
    private readonly Dictionary<string, (YNode Node, long Count)> _anchors = new(StringComparer.Ordinal);
    private readonly List<YNode> _documents = [];
    private long _nodes;
    private int _aliases;

    private BoundedYamlReader(YamlLimits limits) => _limits = limits;

    /// <summary>Reads every document of <paramref name="text"/>.</summary>
    /// <exception cref="ConfigParseException">Syntax errors, non-scalar or duplicate keys, undefined aliases.</exception>
    /// <exception cref="YamlLimitExceededException">A structural bound was crossed.</exception>
    internal static IReadOnlyList<YNode> Read(string text, YamlLimits limits)
    {
        var reader = new BoundedYamlReader(limits);
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
                reader.On(parser.Current!);
        }
        catch (YamlException ex)
        {
            throw Issue(ex.Start, "invalid YAML: " + (ex.InnerException?.Message ?? ex.Message));
        }
        return reader._documents;
    }

    private void On(ParsingEvent e)
    {
        switch (e)
        {
            case Scalar s:
                Count(1, e.Start);
                var style = s.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any ? ScalarStyle.Plain : ScalarStyle.Quoted;
                Attach(new YScalar(s.Value, style, Line(e.Start), Column(e.Start)), 1, s.Anchor, e.Start);
                break;
            case MappingStart m:
                Open(new Frame(true, m.Anchor, e.Start, _nodes), e.Start);
                break;
            case SequenceStart q:
                Open(new Frame(false, q.Anchor, e.Start, _nodes), e.Start);
                break;
            case MappingEnd or SequenceEnd:
                Close();
                break;
            case AnchorAlias a:
                if (++_aliases > _limits.MaxAliases) throw Limit(YamlLimit.Aliases, _limits.MaxAliases, e.Start);
                if (!_anchors.TryGetValue(a.Value.Value, out var target))
                    throw Issue(e.Start, $"alias *{a.Value.Value} refers to no anchor defined before it");
                Count(target.Count, e.Start);
                Attach(target.Node, target.Count, AnchorName.Empty, e.Start);
                break;
        }
    }

    private void Open(Frame frame, Mark at)
    {
        if (_stack.Count >= _limits.MaxDepth) throw Limit(YamlLimit.Depth, _limits.MaxDepth, at);
        Count(1, at);
        _stack.Add(frame);
    }

    private void Close()
    {
        var f = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        YNode node = f.IsMap
            ? new YMap(f.Entries, Line(f.Start), Column(f.Start))
            : new YSeq(f.Items, Line(f.Start), Column(f.Start));
        Attach(node, _nodes - f.NodesBefore, f.Anchor, f.Start);
    }

    private void Count(long n, Mark at)
    {
        _nodes += n;
        if (_nodes > _limits.MaxNodes) throw Limit(YamlLimit.Nodes, _limits.MaxNodes, at);
    }

    private void Attach(YNode node, long count, AnchorName anchor, Mark at)
    {
        if (!anchor.IsEmpty) _anchors[anchor.Value] = (node, count);
        if (_stack.Count == 0)
        {
            _documents.Add(node);
            return;
        }
        var top = _stack[^1];
        if (!top.IsMap)
        {
            top.Items.Add(node);
            return;
        }
        if (top.Key is null)
        {
            if (node is not YScalar key) throw Issue(at, "map keys must be scalars");
            if (!top.Keys.Add(key.Value)) throw Issue(at, $"duplicate key \"{key.Value}\"");
            top.Key = key;
            return;
        }
        top.Entries.Add(new YEntry(top.Key.Value, node, top.Key.Line, top.Key.Column));
        top.Key = null;
    }

    private static int Line(Mark m) => (int)Math.Min(int.MaxValue, m.Line);

    private static int Column(Mark m) => (int)Math.Min(int.MaxValue, m.Column);

    private static ConfigParseException Issue(Mark at, string message) => new([new ConfigIssue(Line(at), Column(at), "", message)]);

    private static YamlLimitExceededException Limit(YamlLimit limit, int max, Mark at) => new(limit, max, Line(at), Column(at));

    /// <summary>An open map or list: its children so far and, for a map, the key waiting for its value.</summary>
    private sealed class Frame(bool isMap, AnchorName anchor, Mark start, long nodesBefore)
    {
        public bool IsMap { get; } = isMap;
        public AnchorName Anchor { get; } = anchor;
        public Mark Start { get; } = start;
        public long NodesBefore { get; } = nodesBefore;
        public List<YNode> Items { get; } = [];
        public List<YEntry> Entries { get; } = [];
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public YScalar? Key { get; set; }
    }
}
