using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Talos.Core.Config.Yaml;

/// <summary>Reads YAML text into <see cref="YNode"/> documents and writes them back in a canonical block style.</summary>
public static partial class YamlText
{
    /// <summary>Parses a (multi-document) YAML text; throws <see cref="Errors.ConfigParseException"/> on syntax errors.</summary>
    public static IReadOnlyList<YNode> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new Errors.ConfigParseException([new ConfigIssue((int)ex.Start.Line, (int)ex.Start.Column, "", "invalid YAML: " + (ex.InnerException?.Message ?? ex.Message))]);
        }
        return stream.Documents.Select(d => Convert(d.RootNode)).ToList();
    }

    private static YNode Convert(YamlNode n)
    {
        var (line, col) = ((int)n.Start.Line, (int)n.Start.Column);
        switch (n)
        {
            case YamlScalarNode s:
                var style = s.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any
                    ? ScalarStyle.Plain
                    : ScalarStyle.Quoted;
                return new YScalar(s.Value ?? "", style, line, col);
            case YamlSequenceNode q:
                return new YSeq(q.Children.Select(Convert).ToList(), line, col);
            case YamlMappingNode m:
                var entries = new List<YEntry>();
                foreach (var (k, v) in m.Children)
                {
                    if (k is not YamlScalarNode ks)
                        throw new Errors.ConfigParseException([new ConfigIssue((int)k.Start.Line, (int)k.Start.Column, "", "map keys must be scalars")]);
                    if (entries.Any(e => e.Key == ks.Value))
                        throw new Errors.ConfigParseException([new ConfigIssue((int)k.Start.Line, (int)k.Start.Column, "", $"duplicate key \"{ks.Value}\"")]);
                    entries.Add(new YEntry(ks.Value ?? "", Convert(v), (int)k.Start.Line, (int)k.Start.Column));
                }
                return new YMap(entries, line, col);
            default:
                throw new Errors.ConfigParseException([new ConfigIssue(line, col, "", "aliases and anchors are not supported")]);
        }
    }

    /// <summary>Writes documents separated by <c>---</c>; block style, two-space indent, strings quoted when needed.</summary>
    public static string Write(IEnumerable<YNode> documents)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var d in documents)
        {
            if (!first)
                sb.Append("---\n");
            first = false;
            WriteNode(sb, d, 0, atLineStart: true);
        }
        return sb.ToString();
    }

    private static void WriteNode(StringBuilder sb, YNode n, int indent, bool atLineStart)
    {
        switch (n)
        {
            case YScalar s:
                sb.Append(FormatScalar(s)).Append('\n');
                break;
            case YMap { Entries.Count: 0 }:
                sb.Append("{}\n");
                break;
            case YSeq { Items.Count: 0 }:
                sb.Append("[]\n");
                break;
            case YMap m:
                var firstEntry = atLineStart;
                foreach (var e in m.Entries)
                {
                    if (!firstEntry)
                        sb.Append(' ', indent);
                    firstEntry = false;
                    sb.Append(FormatKey(e.Key)).Append(':');
                    WriteChild(sb, e.Value, indent + 2);
                }
                break;
            case YSeq q:
                var firstItem = atLineStart;
                foreach (var item in q.Items)
                {
                    if (!firstItem)
                        sb.Append(' ', indent);
                    firstItem = false;
                    sb.Append("- ");
                    WriteNode(sb, item, indent + 2, atLineStart: true);
                }
                break;
        }
    }

    private static void WriteChild(StringBuilder sb, YNode v, int indent)
    {
        if (v is YScalar || v is YMap { Entries.Count: 0 } || v is YSeq { Items.Count: 0 })
        {
            sb.Append(' ');
            WriteNode(sb, v, indent, true);
            return;
        }
        sb.Append('\n').Append(' ', indent);
        WriteNode(sb, v, indent, atLineStart: true);
    }

    private static string FormatKey(string k) => SafePlain().IsMatch(k) && !Reserved(k) ? k : Quote(k);

    /// <summary>Plain scalars are written as-is; strings plain only when they cannot be read as anything else.</summary>
    internal static string FormatScalar(YScalar s)
    {
        if (s.Style == ScalarStyle.Plain)
            return s.IsNull ? "null" : s.Value;
        return SafePlain().IsMatch(s.Value) && !Reserved(s.Value) && !LooksNumeric(s.Value) ? s.Value : Quote(s.Value);
    }

    private static bool Reserved(string v) => v.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off"
        or "null" or "~" or "y" or "n";

    private static bool LooksNumeric(string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || v.StartsWith("0x", StringComparison.Ordinal)
        || v.StartsWith("0o", StringComparison.Ordinal) || v.StartsWith('.');

    private static string Quote(string v)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in v)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < 0x20 || c == 0x7f => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    // Conservative: letters, digits and a few punctuation marks that never start YAML syntax.
    [GeneratedRegex(@"^[A-Za-z0-9_/][A-Za-z0-9_./@+=-]*$")]
    private static partial Regex SafePlain();
}
