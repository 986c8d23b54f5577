using System.Globalization;
using System.Text;
using Talos.Api.Cosi;
using System.Text.Json;

namespace Talos.Ctl.Commands;

/// <summary>How <c>talosctl get</c> prints COSI resources: table (with per-type spec columns), yaml or json, as upstream.</summary>
public static class ResourceFormat
{
    /// <summary>Base table columns.</summary>
    public static readonly string[] BaseHeader = ["NODE", "NAMESPACE", "TYPE", "ID", "VERSION"];

    /// <summary>"MachineStatuses.runtime.talos.dev" → "MachineStatus" (upstream's TYPE column shows the singular kind).</summary>
    public static string Kind(string type)
    {
        var plural = type.Split('.')[0];
        return plural.EndsWith("ses", StringComparison.Ordinal) ? plural[..^2] : plural.EndsWith('s') ? plural[..^1] : plural;
    }

    /// <summary>Extra columns for a type (decoded from proto_spec), empty for types without any.</summary>
    public static string[] SpecHeader(string type) => type switch
    {
        "MachineStatuses.runtime.talos.dev" => ["STAGE", "READY"],
        "Services.v1alpha1.talos.dev" => ["RUNNING", "HEALTHY"],
        "MetaKeys.runtime.talos.dev" => ["VALUE"],
        ResourceAliases.BootSlot => ["IMAGE VERSION", "BOOTED", "CONFIRMED", "PRIORITY", "TRIES LEFT"],
        "Versions.runtime.talos.dev" => ["VERSION", "SHA"],
        "Members.etcd.talos.dev" => ["HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER", "LEADER"],
        "BlockDevices.block.talos.dev" => ["SIZE", "TABLE", "PATH"],
        "Partitions.block.talos.dev" => ["LABEL", "OFFSET", "SIZE", "TYPE"],
        ResourceAliases.KubernetesComponent => ["IMAGE", "K8S VERSION", "STATE", "HEALTHY"],
        _ => [],
    };

    /// <summary>A table row for <paramref name="r"/> on <paramref name="node"/>.</summary>
    public static string[] Row(string node, Resource r)
    {
        var m = r.Metadata;
        var bytes = r.Spec?.ProtoSpec ?? Google.Protobuf.ByteString.Empty;
        string[] spec = m.Type switch
        {
            "MachineStatuses.runtime.talos.dev" => MachineStatus(MachineStatusSpec.Parser.ParseFrom(bytes)),
            "Services.v1alpha1.talos.dev" => Service(ServiceSpec.Parser.ParseFrom(bytes)),
            "MetaKeys.runtime.talos.dev" => [MetaKeySpec.Parser.ParseFrom(bytes).Value],
            ResourceAliases.BootSlot => Slot(BootSlotSpec.Parser.ParseFrom(bytes)),
            "Versions.runtime.talos.dev" => Version(VersionSpec.Parser.ParseFrom(bytes)),
            "Members.etcd.talos.dev" => EtcdMember(EtcdMemberSpec.Parser.ParseFrom(bytes)),
            "BlockDevices.block.talos.dev" => BlockDeviceSpec.Parser.ParseFrom(bytes) is var d ? [Bytes(d.Size), d.PartitionTable, d.Path] : [],
            "Partitions.block.talos.dev" => PartitionSpec.Parser.ParseFrom(bytes) is var p ? [p.Label, p.Offset.ToString(CultureInfo.InvariantCulture), Bytes(p.Size), p.TypeGuid] : [],
            ResourceAliases.KubernetesComponent => Component(KubernetesComponentSpec.Parser.ParseFrom(bytes)),
            _ => [],
        };
        return [node, m.Namespace, Kind(m.Type), m.Id, m.Version, .. spec];
    }

    /// <summary>Upstream's YAML rendering: node, metadata, then the spec's YAML indented under <c>spec:</c>.</summary>
    public static string Yaml(string node, Resource r)
    {
        var m = r.Metadata;
        var b = new StringBuilder();
        b.Append("node: ").Append(node).Append('\n');
        b.Append("metadata:\n");
        b.Append("    namespace: ").Append(m.Namespace).Append('\n');
        b.Append("    type: ").Append(m.Type).Append('\n');
        b.Append("    id: ").Append(m.Id).Append('\n');
        b.Append("    version: ").Append(m.Version).Append('\n');
        b.Append("    owner: ").Append(m.Owner).Append('\n');
        b.Append("    phase: ").Append(m.Phase).Append('\n');
        if (m.Created is { } c) b.Append("    created: ").Append(Time(c)).Append('\n');
        if (m.Updated is { } u) b.Append("    updated: ").Append(Time(u)).Append('\n');
        b.Append("spec:");
        var spec = (r.Spec?.YamlSpec ?? "").TrimEnd('\n');
        if (spec.Length == 0) return b.Append(" {}\n").ToString();
        b.Append('\n');
        foreach (var line in spec.Split('\n')) b.Append("    ").Append(line).Append('\n');
        return b.ToString();
    }

    /// <summary>
    /// Upstream's JSON rendering (one indented object per resource; the spec converted from its YAML: every scalar a
    /// string, plain null/~/empty null, as the untyped YAML deserializer read it before). Written with
    /// <see cref="Utf8JsonWriter"/>, without reflection (Native AOT, issue #9).
    /// </summary>
    public static string Json(string node, Resource r)
    {
        var m = r.Metadata;
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("node", node);
            w.WriteStartObject("metadata");
            w.WriteString("namespace", m.Namespace);
            w.WriteString("type", m.Type);
            w.WriteString("id", m.Id);
            w.WriteString("version", m.Version);
            w.WriteString("owner", m.Owner);
            w.WriteString("phase", m.Phase);
            w.WriteString("created", m.Created is null ? null : Time(m.Created));
            w.WriteString("updated", m.Updated is null ? null : Time(m.Updated));
            w.WriteEndObject();
            w.WritePropertyName("spec");
            YamlJson.Write(w, r.Spec?.YamlSpec);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp t) =>
        t.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string[] MachineStatus(MachineStatusSpec s) =>
        [s.Stage.ToString().Replace("MachineStage", "", StringComparison.Ordinal).ToLowerInvariant(), Bool(s.Status?.Ready == true)];

    private static string[] Service(ServiceSpec s) => [Bool(s.Running), s.Unknown ? "?" : Bool(s.Healthy)];

    private static string[] Slot(BootSlotSpec s) => [s.ImageVersion, Bool(s.Booted), Bool(s.Successful), s.Priority.ToString(CultureInfo.InvariantCulture), s.TriesRemaining.ToString(CultureInfo.InvariantCulture)];

    private static string[] Version(VersionSpec s) => [s.Version, s.Sha];

    private static string Bool(bool b) => b ? "true" : "false";

    private static string[] EtcdMember(EtcdMemberSpec s) =>
        [s.Hostname, string.Join(",", s.PeerUrls), string.Join(",", s.ClientUrls), Bool(s.IsLearner), Bool(s.IsLeader)];

    /// <summary>Sizes as upstream prints them (go-humanize SI: "268 MB", "1.1 GB").</summary>
    internal static string Bytes(ulong n)
    {
        if (n < 1000) return n.ToString(CultureInfo.InvariantCulture) + " B";
        string[] units = ["kB", "MB", "GB", "TB", "PB", "EB"];
        var value = (double)n;
        var i = -1;
        while (value >= 1000 && i < units.Length - 1) { value /= 1000; i++; }
        var rounded = Math.Floor(value * 10 + 0.5) / 10;
        return (rounded < 10 ? rounded.ToString("0.0", CultureInfo.InvariantCulture) : Math.Floor(value + 0.5).ToString("0", CultureInfo.InvariantCulture)) + " " + units[i];
    }
    private static string[] Component(KubernetesComponentSpec s) => [s.Image, s.Version, s.State, Bool(s.Healthy)];
}
