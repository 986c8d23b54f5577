using System.Text;
using Google.Protobuf;
using Talos.Api.Cosi;
using Talos.Api.Events;
using Talos.Core.Config;
using Talos.Machined.Runtime;
using CosiMetadata = Talos.Api.Cosi.Metadata;

namespace Talos.Machined.Api;

/// <summary>
/// The read-only COSI resources of a node (specs/api.md §8), computed on demand from the runtime: nothing is cached,
/// so a read always reflects the fold of the META log and the live services. <c>metadata.version</c> is the META
/// sequence number the resource was computed at (the log is the node's version counter).
/// </summary>
public static partial class NodeResources
{
    /// <summary>The placeholder upstream prints for redacted secrets.</summary>
    public const string Redacted = "******";

    /// <summary>Every resource of <paramref name="type"/> as <paramref name="caller"/> may see it, ordered by id.</summary>
    public static IReadOnlyList<Resource> List(NodeRuntime node, ResourceTypeInfo type, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(type);
        var version = node.State.LastSequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        IEnumerable<(string Id, IMessage? Spec, string Yaml)> items = type.Type switch
        {
            ResourceTypes.MachineStatus => [MachineStatus(node)],
            ResourceTypes.MachineConfig => node.ConfigBytes is null ? [] : [("v1alpha1", null, ConfigYaml(node, ResourceTypes.MustRedact(caller, type)))],
            ResourceTypes.Service => (node.Services?.List() ?? []).Select(s => Spec(s.Id, new ServiceSpec
            {
                Running = s.State == Talos.Machined.Services.ServiceState.Running, Healthy = s.Healthy, Unknown = s.HealthUnknown,
            })),
            ResourceTypes.MetaKey => node.State.Meta.Select(kv => Spec($"0x{kv.Key:x2}", new MetaKeySpec { Value = kv.Value.ToStringUtf8() })),
            ResourceTypes.BootSlot => [BootSlot(node, Slot.A), BootSlot(node, Slot.B)],
            ResourceTypes.Version => [Spec("version", new VersionSpec
            {
                Version = node.State.BootedVersion.Length > 0 ? node.State.BootedVersion : BuildVersion.Read().Tag,
                Sha = BuildVersion.Read().Sha,
            })],
            ResourceTypes.EtcdMember => EtcdMembers(node),
            ResourceTypes.BlockDevice => BlockDevices(node),
            ResourceTypes.Partition => Partitions(node),
            ResourceTypes.KubernetesComponent => KubernetesComponents(node),
            _ => [],
        };
        return items.OrderBy(i => i.Id, StringComparer.Ordinal).Select(i => new Resource
        {
            Metadata = new CosiMetadata { Namespace = type.Namespace, Type = type.Type, Id = i.Id, Version = version, Phase = "running", Owner = "machined" },
            Spec = new Spec { ProtoSpec = i.Spec?.ToByteString() ?? ByteString.Empty, YamlSpec = i.Yaml },
        }).ToList();
    }

    private static (string, IMessage?, string) Spec(string id, IMessage spec) => (id, spec, Yaml(spec));

    private static IEnumerable<(string, IMessage?, string)> KubernetesComponents(NodeRuntime node) =>
        (node.Services?.Units ?? []).Where(u => u.Image.Length > 0).Select(u =>
        {
            var s = u.Snapshot();
            return Spec(u.Id, new KubernetesComponentSpec
            {
                Image = u.Image, Version = Talos.Core.Kubernetes.ImageTag.VersionOf(u.Image)?.ToString() ?? "",
                Running = s.State == Talos.Machined.Services.ServiceState.Running, Healthy = s.Healthy, State = s.State.ToString(),
            });
        });

    private static (string, IMessage?, string) MachineStatus(NodeRuntime node)
    {
        var status = new MachineStatusStatus();
        if (node.Stage != NodeStage.Running)
            status.UnmetConditions.Add(new UnmetCondition { Name = "stage", Reason = $"the node is {node.Stage}" });
        if (node.MetaDamageCondition is { } damaged)
            status.UnmetConditions.Add(new UnmetCondition { Name = "meta", Reason = damaged });
        if (node.Services is { } s)
            foreach (var c in Talos.Machined.Services.HealthGate.Check(s).Where(c => !c.Passed))
                status.UnmetConditions.Add(new UnmetCondition { Name = c.Check, Reason = c.Detail });
        if (node.IdentityProblem is { } identity) status.UnmetConditions.Add(new UnmetCondition { Name = "identity", Reason = identity });
        if (node.ConfigBindingProblem is { } binding) status.UnmetConditions.Add(new UnmetCondition { Name = "config", Reason = binding });
        status.Ready = status.UnmetConditions.Count == 0;
        return Spec("machine", new MachineStatusSpec { Stage = (MachineStage)(int)node.Stage, Status = status });
    }

    private static (string, IMessage?, string) BootSlot(NodeRuntime node, Slot slot)
    {
        var s = node.State.SlotOf(slot);
        return Spec(slot == Slot.A ? "A" : "B", new BootSlotSpec
        {
            Slot = slot == Slot.A ? "A" : "B",
            PartitionLabel = slot == Slot.A ? "BOOT-A" : "BOOT-B",
            ImageVersion = s.Version,
            ImageDigest = s.HasImage ? "sha256:" + s.Digest : "",
            Priority = s.Priority,
            TriesRemaining = s.TriesLeft,
            Successful = s.Successful,
            Booted = node.State.BootedSlot == slot && node.Booted is not null,
        });
    }

    /// <summary>The config as applied, or with every secret replaced by <see cref="Redacted"/> (non-admin callers).</summary>
    internal static string ConfigYaml(NodeRuntime node, bool redact)
    {
        var bytes = node.ConfigBytes!;
        if (!redact) return Encoding.UTF8.GetString(bytes);
        var cfg = node.Config ?? MachineConfig.Parse(Encoding.UTF8.GetString(bytes));
        return Redact(cfg).ToYaml();
    }

    /// <summary>Replaces private keys, tokens, secrets and the audit connection string.</summary>
    public static MachineConfig Redact(MachineConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        static CertAndKey? Key(CertAndKey? c) => c is null ? null : c with { Key = c.Key.Length == 0 ? "" : Redacted };
        var machine = cfg.Machine is { } m ? m with { Token = Redacted, Ca = Key(m.Ca) } : null;
        var cluster = cfg.Cluster is { } c
            ? c with { Secret = Redacted, Token = Redacted, Ca = Key(c.Ca), Etcd = c.Etcd is { } e ? e with { Ca = Key(e.Ca) } : null }
            : null;
        var audit = cfg.Audit is { } a ? a with { ConnectionString = a.ConnectionString.Length == 0 ? "" : Redacted } : null;
        return cfg with { Machine = machine, Cluster = cluster, Audit = audit };
    }

    /// <summary>YAML of a spec message: its proto3 JSON mapping, which is valid YAML (flow style).</summary>
    private static string Yaml(IMessage spec) => SpecJson.Format(spec) + "\n";

    private static readonly JsonFormatter SpecJson = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
}
