using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Talos.Ctl.Config;

/// <summary>
/// Reads a talosconfig through YamlDotNet's representation model, without the reflection-based deserializer: every
/// command reads the talosconfig, and the deserializer's type inspection and emitted code cost cold-start time
/// (issue #9). Same rules as before: unknown fields and wrong shapes are errors naming the line and column.
/// </summary>
internal static class TalosConfigReader
{
    /// <summary>Parses <paramref name="yaml"/>; <see cref="YamlException"/> for syntax and shape errors.</summary>
    public static TalosConfig Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var cfg = new TalosConfig();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" }) return cfg;
        foreach (var (key, value) in Mapping(stream.Documents[0].RootNode, "the talosconfig"))
        {
            switch (Name(key))
            {
                case "context": cfg.Context = Scalar(value); break;
                case "contexts":
                    if (IsNull(value)) break;
                    foreach (var (name, ctx) in Mapping(value, "contexts")) cfg.Contexts[Name(name)] = IsNull(ctx) ? null! : Context(ctx);
                    break;
                default: throw Unknown(key);
            }
        }
        return cfg;
    }

    private static TalosContext Context(YamlNode node)
    {
        var ctx = new TalosContext();
        foreach (var (key, value) in Mapping(node, "a context"))
        {
            switch (Name(key))
            {
                case "target": ctx.Target = Scalar(value); break;
                case "endpoints": ctx.Endpoints = Sequence(value); break;
                case "nodes": ctx.Nodes = Sequence(value); break;
                case "ca": ctx.Ca = Scalar(value); break;
                case "crt": ctx.Crt = Scalar(value); break;
                case "key": ctx.Key = Scalar(value); break;
                case "cluster": ctx.Cluster = Scalar(value); break;
                default: throw Unknown(key);
            }
        }
        return ctx;
    }

    private static IEnumerable<KeyValuePair<YamlNode, YamlNode>> Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Shape(node, $"{what} must be a mapping");

    private static string Name(YamlNode key) => Scalar(key) ?? throw Shape(key, "a key must not be empty");

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null", Style: ScalarStyle.Plain };

    private static string? Scalar(YamlNode node) =>
        node is YamlScalarNode s ? (IsNull(s) ? null : s.Value) : throw Shape(node, "expected a single value");

    private static List<string> Sequence(YamlNode node) =>
        IsNull(node) ? [] : node is YamlSequenceNode seq ? seq.Children.Select(c => Scalar(c) ?? "").ToList() : throw Shape(node, "expected a list");

    private static YamlException Unknown(YamlNode key) => Shape(key, $"unknown field \"{(key as YamlScalarNode)?.Value}\"");

    private static YamlException Shape(YamlNode node, string message) => new(node.Start, node.End, message);
}
