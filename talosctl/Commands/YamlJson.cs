using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Talos.Ctl.Commands;

/// <summary>
/// A resource spec's YAML as JSON, by walking YamlDotNet's representation model (no reflection: Native AOT). The
/// rules of the untyped deserializer it replaces: mappings become objects, sequences arrays, every scalar a string,
/// except a plain <c>null</c>/<c>Null</c>/<c>NULL</c>/<c>~</c>/empty scalar or a <c>!!null</c> one, which is null.
/// </summary>
internal static class YamlJson
{
    private static readonly HashSet<string> NullWords = new(StringComparer.Ordinal) { "", "~", "null", "Null", "NULL" };

    /// <summary>Writes the first document of <paramref name="yaml"/> (null when blank or empty).</summary>
    public static void Write(Utf8JsonWriter w, string? yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml))
        {
            w.WriteNullValue();
            return;
        }
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0) w.WriteNullValue();
        else Node(w, stream.Documents[0].RootNode);
    }

    private static void Node(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (key, value) in map)
                {
                    w.WritePropertyName(key is YamlScalarNode k ? k.Value ?? "" : key.ToString());
                    Node(w, value);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq) Node(w, item);
                w.WriteEndArray();
                break;
            case YamlScalarNode s when IsNull(s):
                w.WriteNullValue();
                break;
            case YamlScalarNode s:
                w.WriteStringValue(s.Value);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static bool IsNull(YamlScalarNode s) =>
        s.Tag.ToString() == "tag:yaml.org,2002:null" || (s.Style == ScalarStyle.Plain && NullWords.Contains(s.Value ?? ""));
}
