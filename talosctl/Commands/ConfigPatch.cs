using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>--config-patch</c> values (<c>@file</c> or inline YAML) merged into a machine config the way upstream's strategic
/// merge does for v1alpha1: mappings merge key by key, sequences are appended, scalars are replaced. The patch applies
/// to the first document; other documents are kept.
/// </summary>
public static class ConfigPatch
{
    /// <summary>Reads a patch argument; <c>@path</c> names a file.</summary>
    /// <exception cref="UsageException">The file is missing or the YAML is malformed.</exception>
    public static YamlMappingNode Load(string arg)
    {
        var text = arg.StartsWith('@') ? ReadFile(arg[1..]) : arg;
        var doc = Parse(text, arg.StartsWith('@') ? arg[1..] : "--config-patch");
        return doc.Documents.Count > 0 && doc.Documents[0].RootNode is YamlMappingNode m ? m
            : throw new UsageException($"config patch {Describe(arg)} is not a YAML mapping");
    }

    /// <summary>Applies <paramref name="patches"/> in order to <paramref name="yaml"/>; returns the YAML text.</summary>
    public static string Apply(string yaml, IReadOnlyList<YamlMappingNode> patches)
    {
        if (patches.Count == 0) return yaml;
        var stream = Parse(yaml, "machine config");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new UsageException("the machine config is not a YAML mapping");
        foreach (var p in patches) Merge(root, p);
        using var w = new StringWriter();
        stream.Save(w, assignAnchors: false);
        return w.ToString().Replace("...\n", "", StringComparison.Ordinal);
    }

    private static void Merge(YamlMappingNode target, YamlMappingNode patch)
    {
        foreach (var (key, value) in patch.Children)
        {
            if (target.Children.TryGetValue(key, out var existing))
            {
                if (existing is YamlMappingNode tm && value is YamlMappingNode pm) { Merge(tm, pm); continue; }
                if (existing is YamlSequenceNode ts && value is YamlSequenceNode ps) { foreach (var item in ps) ts.Add(item); continue; }
            }
            target.Children[key] = value;
        }
    }

    private static YamlStream Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new UsageException($"{source}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        return stream;
    }

    private static string ReadFile(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new UsageException($"config patch file \"{path}\" does not exist");

    private static string Describe(string arg) => arg.StartsWith('@') ? $"\"{arg[1..]}\"" : "(inline)";
}
