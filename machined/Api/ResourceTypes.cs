using Talos.Core.Pki;

namespace Talos.Machined.Api;

/// <summary>One COSI resource type the node serves (specs/api.md §8).</summary>
/// <param name="Type">Full type name, upstream style <c>&lt;Plural&gt;.&lt;group&gt;.talos.dev</c>.</param>
/// <param name="Namespace">The namespace its resources live in.</param>
/// <param name="Sensitive">True when non-admin callers get a redacted spec (upstream "sensitive" types).</param>
/// <param name="Aliases">Short names talosctl accepts (lower case).</param>
public sealed record ResourceTypeInfo(string Type, string Namespace, bool Sensitive, IReadOnlyList<string> Aliases);

/// <summary>
/// The registry of resource types served read-only through cosi.resource.State, and the access rule for
/// reading them: every type is readable by the roles RBAC lets call Get/List/Watch, but a sensitive type's spec
/// (the machine config, which holds the CA keys and tokens) is redacted unless the caller is os:admin.
/// </summary>
public static class ResourceTypes
{
    /// <summary>MachineStatus (stage and readiness).</summary>
    public const string MachineStatus = "MachineStatuses.runtime.talos.dev";
    /// <summary>The machine configuration (sensitive).</summary>
    public const string MachineConfig = "MachineConfigs.config.talos.dev";
    /// <summary>Service units.</summary>
    public const string Service = "Services.v1alpha1.talos.dev";
    /// <summary>META key/value pairs.</summary>
    public const string MetaKey = "MetaKeys.runtime.talos.dev";
    /// <summary>A/B boot slots (Talos.NET only).</summary>
    public const string BootSlot = "BootSlots.runtime.talos.dev";
    /// <summary>Running version (Talos.NET only).</summary>
    public const string Version = "Versions.runtime.talos.dev";

    /// <summary>Members of the simulated etcd (Talos.NET only).</summary>
    public const string EtcdMember = "Members.etcd.talos.dev";
    /// <summary>The system disk (Talos.NET only).</summary>
    public const string BlockDevice = "BlockDevices.block.talos.dev";
    /// <summary>The system disk's GPT partitions (Talos.NET only).</summary>
    public const string Partition = "Partitions.block.talos.dev";
    /// <summary>Simulated Kubernetes components with their image and version (Talos.NET only, issue #12).</summary>
    public const string KubernetesComponent = "KubernetesComponents.kubernetes.talos.dev";

    /// <summary>All served types, by full type name.</summary>
    public static IReadOnlyDictionary<string, ResourceTypeInfo> All { get; } = new[]
    {
        new ResourceTypeInfo(MachineStatus, "runtime", false, ["machinestatus", "machinestatuses"]),
        new ResourceTypeInfo(MachineConfig, "config", true, ["machineconfig", "machineconfigs", "mc"]),
        new ResourceTypeInfo(Service, "runtime", false, ["service", "services", "svc"]),
        new ResourceTypeInfo(MetaKey, "runtime", false, ["metakey", "metakeys"]),
        new ResourceTypeInfo(BootSlot, "runtime", false, ["bootslot", "bootslots"]),
        new ResourceTypeInfo(Version, "runtime", false, ["version", "versions"]),
        new ResourceTypeInfo(EtcdMember, "etcd", false, ["member", "members", "etcdmember", "etcdmembers"]),
        new ResourceTypeInfo(BlockDevice, "runtime", false, ["blockdevice", "blockdevices", "disk", "disks"]),
        new ResourceTypeInfo(Partition, "runtime", false, ["partition", "partitions"]),
        new ResourceTypeInfo(KubernetesComponent, "k8s", false, ["kubernetescomponent", "kubernetescomponents", "k8scomponent", "k8scomponents"]),
    }.ToDictionary(t => t.Type, StringComparer.Ordinal);

    /// <summary>
    /// Resolves a type name or alias (case-insensitive for aliases) and checks the namespace (empty = the type's
    /// default namespace).
    /// </summary>
    /// <exception cref="UnknownResourceTypeException">Unknown type, or a namespace the type does not live in.</exception>
    public static ResourceTypeInfo Resolve(string resourceNamespace, string typeOrAlias)
    {
        ArgumentNullException.ThrowIfNull(resourceNamespace);
        ArgumentNullException.ThrowIfNull(typeOrAlias);
        var info = All.TryGetValue(typeOrAlias, out var exact) ? exact
            : All.Values.FirstOrDefault(t => t.Aliases.Contains(typeOrAlias.ToLowerInvariant()));
        if (info is null || (resourceNamespace.Length > 0 && resourceNamespace != info.Namespace))
            throw new UnknownResourceTypeException(resourceNamespace, typeOrAlias, All.Keys.Order(StringComparer.Ordinal));
        return info;
    }

    /// <summary>True when <paramref name="caller"/> must get <paramref name="type"/>'s spec redacted.</summary>
    public static bool MustRedact(CallerIdentity caller, ResourceTypeInfo type)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(type);
        return type.Sensitive && !caller.Has(Roles.Admin);
    }
}
