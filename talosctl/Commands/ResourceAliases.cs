namespace Talos.Ctl.Commands;

/// <summary>
/// Resource type names and the short aliases users type (<c>talosctl get machineconfig</c>), with each type's default
/// namespace (specs/api.md §8). Unknown names pass through unchanged so a newer node's types stay reachable.
/// </summary>
public static class ResourceAliases
{
    /// <summary>MachineConfigs.config.talos.dev.</summary>
    public const string MachineConfig = "MachineConfigs.config.talos.dev";

    /// <summary>BootSlots.runtime.talos.dev.</summary>
    public const string BootSlot = "BootSlots.runtime.talos.dev";

    /// <summary>KubernetesComponents.kubernetes.talos.dev (simulated components, issue #12).</summary>
    public const string KubernetesComponent = "KubernetesComponents.kubernetes.talos.dev";

    private static readonly (string Type, string Namespace, string[] Aliases)[] Known =
    [
        ("MachineStatuses.runtime.talos.dev", "runtime", ["machinestatus", "machinestatuses", "ms"]),
        (MachineConfig, "config", ["machineconfig", "machineconfigs", "mc"]),
        ("Services.v1alpha1.talos.dev", "runtime", ["service", "services", "svc"]),
        ("MetaKeys.runtime.talos.dev", "runtime", ["metakey", "metakeys", "meta"]),
        (BootSlot, "runtime", ["bootslot", "bootslots", "slot", "slots"]),
        ("Versions.runtime.talos.dev", "runtime", ["version", "versions"]),
        ("Members.etcd.talos.dev", "etcd", ["member", "members", "etcdmember", "etcdmembers"]),
        ("BlockDevices.block.talos.dev", "runtime", ["blockdevice", "blockdevices", "disk", "disks"]),
        ("Partitions.block.talos.dev", "runtime", ["partition", "partitions"]),
        (KubernetesComponent, "k8s", ["kubernetescomponent", "kubernetescomponents", "k8scomponent", "k8scomponents"]),
    ];

    /// <summary>The full type name and its default namespace for <paramref name="name"/>.</summary>
    public static (string Type, string Namespace) Resolve(string name)
    {
        foreach (var (type, ns, aliases) in Known)
            if (string.Equals(type, name, StringComparison.OrdinalIgnoreCase) || aliases.Contains(name.ToLowerInvariant()))
                return (type, ns);
        return (name, "runtime");
    }
}
