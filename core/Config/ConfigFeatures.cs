namespace Talos.Core.Config;

/// <summary>
/// The named features of a machine config that a given machined must understand to read it: the v1alpha1 document
/// itself, each extra document kind, and each of our extension sections. An installer image declares the set its
/// machined reads (the <c>configFeatures</c> key of its config blob, kept in the slot header), so a rollback can
/// check that the older image can read the current config before switching to it (upstream issue #9088: an older
/// Talos that cannot parse the newer config in STATE).
/// </summary>
public static class ConfigFeatures
{
    /// <summary>The v1alpha1 machine config document.</summary>
    public const string V1Alpha1 = "v1alpha1";
    /// <summary>A <c>HostnameConfig</c> document.</summary>
    public const string HostnameConfig = "HostnameConfig";
    /// <summary>Our <c>machine.upgrade</c> extension (tries, health deadline, signatures).</summary>
    public const string MachineUpgrade = "machine.upgrade";
    /// <summary>Our top-level <c>audit</c> extension (fleet store).</summary>
    public const string Audit = "audit";

    /// <summary>Every feature this build reads (what an image built from it declares).</summary>
    public static IReadOnlyList<string> All { get; } = [V1Alpha1, HostnameConfig, MachineUpgrade, Audit];

    /// <summary>The features <paramref name="config"/> uses, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Of(MachineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var used = new List<string> { V1Alpha1 };
        if (config.Hostname is not null) used.Add(HostnameConfig);
        if (config.Machine?.Upgrade is not null) used.Add(MachineUpgrade);
        if (config.Audit is not null) used.Add(Audit);
        return used;
    }

    /// <summary>The features <paramref name="config"/> uses that <paramref name="declared"/> lacks (empty when it can read it).</summary>
    public static IReadOnlyList<string> Missing(MachineConfig config, IEnumerable<string> declared)
    {
        var known = declared.ToHashSet(StringComparer.Ordinal);
        return Of(config).Where(f => !known.Contains(f)).ToList();
    }
}
