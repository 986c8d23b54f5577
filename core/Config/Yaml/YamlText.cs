using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Talos.Core.Config.Yaml;

/// <summary>Reads YAML text into <see cref="YNode"/> documents and writes them back in a canonical block style.</summary>
public static partial class YamlText
{
    /// <summary>
    /// Parses a (multi-document) YAML text within <paramref name="limits"/> (default <see cref="YamlLimits.Default"/>):
    /// the size is checked before reading, depth, node and alias counts while reading (<see cref="BoundedYamlReader"/>).
    /// </summary>
    /// <exception cref="Errors.ConfigParseException">Syntax errors, non-scalar or duplicate keys, undefined aliases.</exception>
    /// <exception cref="Errors.ConfigTooLargeException">The text is larger than <see cref="YamlLimits.MaxBytes"/>.</exception>
    /// <exception cref="Errors.YamlLimitExceededException">Too deep, too many nodes or too many aliases.</exception>
    public static IReadOnlyList<YNode> Parse(string text, YamlLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        limits ??= YamlLimits.Default;
        EnsureSize(text, limits, "the YAML text");
        return BoundedYamlReader.Read(text, limits);
    }

    /// <summary>
    /// Checks a YAML text against <paramref name="limits"/> without keeping the tree: callers that read YAML with
    /// another reader (YamlDotNet's representation model in talosctl) call this first, so that reader only ever sees
    /// bounded input. Throws what <see cref="Parse"/> throws.
    /// </summary>
    public static void EnsureBounded(string text, YamlLimits? limits = null) => _ = Parse(text, limits);

    /// <summary>Throws <see cref="Errors.ConfigTooLargeException"/> when <paramref name="bytes"/> is over the size limit.</summary>
    public static void EnsureSize(long bytes, string what, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        if (bytes > limits.MaxBytes) throw new Errors.ConfigTooLargeException(what, bytes, limits.MaxBytes);
    }

    private static void EnsureSize(string text, YamlLimits limits, string what) => EnsureSize(Encoding.UTF8.GetByteCount(text), what, limits);

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
