using System.Globalization;
using Talos.Ctl.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Talos.Ctl.Cluster;

/// <summary>
/// <c>cluster.yaml</c> without YamlDotNet's reflection serializer (Native AOT, issue #9): the same camelCase shape the
/// serializer wrote (name, directory, nodes: [name, role, address, disk, log, pid]) and the same reading rules
/// (unknown fields are errors; missing fields keep their defaults).
/// </summary>
internal static class ClusterStateYaml
{
    /// <summary>The file's text.</summary>
    public static string Write(ClusterState s) => YamlEvents.Document(indentSequences: false, w =>
    {
        w.Entry("name", s.Name);
        w.Entry("directory", s.Directory);
        w.Entry("nodes", s.Nodes, n => w.Map(() =>
        {
            w.Entry("name", n.Name);
            w.Entry("role", n.Role);
            w.Entry("address", n.Address);
            w.Entry("disk", n.Disk);
            w.Entry("log", n.Log);
            w.Entry("pid", n.Pid);
        }));
    });

    /// <summary>Parses <paramref name="yaml"/> read from <paramref name="source"/>; a bad file is a <see cref="ClusterException"/>.</summary>
    public static ClusterState Read(string yaml, string source)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            var s = new ClusterState();
            if (stream.Documents.Count == 0) return s;
            foreach (var (key, value) in Mapping(stream.Documents[0].RootNode))
            {
                switch (Name(key))
                {
                    case "name": s.Name = Scalar(value); break;
                    case "directory": s.Directory = Scalar(value); break;
                    case "nodes": s.Nodes = value is YamlSequenceNode seq ? seq.Children.Select(Node).ToList() : throw Shape(value, "expected a list"); break;
                    default: throw Unknown(key);
                }
            }
            return s;
        }
        catch (YamlException e)
        {
            throw new ClusterException($"{source}: invalid cluster state at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
    }

    private static ClusterNode Node(YamlNode node)
    {
        var n = new ClusterNode();
        foreach (var (key, value) in Mapping(node))
        {
            switch (Name(key))
            {
                case "name": n.Name = Scalar(value); break;
                case "role": n.Role = Scalar(value); break;
                case "address": n.Address = Scalar(value); break;
                case "disk": n.Disk = Scalar(value); break;
                case "log": n.Log = Scalar(value); break;
                case "pid":
                    n.Pid = int.TryParse(Scalar(value), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : throw Shape(value, "pid must be an integer");
                    break;
                default: throw Unknown(key);
            }
        }
        return n;
    }

    private static YamlMappingNode Mapping(YamlNode node) => node as YamlMappingNode ?? throw Shape(node, "expected a mapping");

    private static string Name(YamlNode key) => Scalar(key);

    private static string Scalar(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : throw Shape(node, "expected a single value");

    private static YamlException Unknown(YamlNode key) => Shape(key, $"unknown field \"{(key as YamlScalarNode)?.Value}\"");

    private static YamlException Shape(YamlNode node, string message) => new(node.Start, node.End, message);
}
