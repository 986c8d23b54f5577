namespace Talos.Core.Config;

/// <summary>A PEM certificate and optional key, base64-encoded as upstream (<c>crt</c>, <c>key</c>).</summary>
public sealed record CertAndKey(string Crt, string Key);

/// <summary><c>machine.install</c>.</summary>
public sealed record InstallConfig(string Disk, InstallDiskSelector? DiskSelector, string Image, bool Wipe,
    ValueList<string> ExtraKernelArgs, bool GrubUseUKICmdline, bool LegacyBIOSSupport);

/// <summary><c>machine.install.diskSelector</c>.</summary>
public sealed record InstallDiskSelector(string Size, string Model, string Serial, string Type, string Wwid);

/// <summary>
/// <c>machine.upgrade</c> — OUR EXTENSION (upstream has no boot counting): trial tries budget, health deadline,
/// and the trusted image-signing keys used to verify installer images before writing a slot.
/// </summary>
/// <param name="Tries">Trial boots of a new slot before automatic rollback (1..15; 0 in the file = default 3).</param>
/// <param name="HealthDeadline">Time allowed for all health checks after a trial boot (Go duration, default "5m").</param>
/// <param name="RequireSignature">Refuse unsigned or untrusted images when true.</param>
/// <param name="TrustedKeys">Public keys allowed to sign images.</param>
public sealed record UpgradeConfig(int Tries, string HealthDeadline, bool RequireSignature, ValueList<TrustedKey> TrustedKeys)
{
    /// <summary>Default tries budget.</summary>
    public const int DefaultTries = 3;

    /// <summary>Default health deadline.</summary>
    public static readonly TimeSpan DefaultHealthDeadline = TimeSpan.FromMinutes(5);

    /// <summary>Tries with the default applied.</summary>
    public int EffectiveTries => Tries == 0 ? DefaultTries : Tries;

    /// <summary>Health deadline with the default applied (parse errors are validation errors).</summary>
    public TimeSpan EffectiveHealthDeadline =>
        HealthDeadline.Length == 0 ? DefaultHealthDeadline : GoDuration.TryParse(HealthDeadline, out var d) ? d : DefaultHealthDeadline;
}

/// <summary>A trusted image-signing public key (our extension).</summary>
/// <param name="KeyId">Matches <c>ImageSignature.KeyId</c>.</param>
/// <param name="Algorithm">e.g. <c>ed25519</c>, <c>ecdsa-p256-sha256</c>.</param>
/// <param name="PublicKey">Base64 public key bytes (raw ed25519 key or SubjectPublicKeyInfo DER).</param>
public sealed record TrustedKey(string KeyId, string Algorithm, string PublicKey);

/// <summary>A kubelet extra mount.</summary>
public sealed record ExtraMount(string Destination, string Type, string Source, ValueList<string> Options);

/// <summary><c>machine.kubelet</c>.</summary>
public sealed record KubeletConfig(string Image, ValueMap<string> ExtraArgs, ValueList<ExtraMount> ExtraMounts, bool SkipNodeRegistration);

/// <summary>A route of a network interface.</summary>
public sealed record RouteConfig(string Network, string Gateway, int Metric);

/// <summary>A network interface.</summary>
public sealed record InterfaceConfig(string Interface, ValueList<string> Addresses, ValueList<RouteConfig> Routes, bool Dhcp, int Mtu);

/// <summary><c>machine.network</c>.</summary>
public sealed record NetworkConfig(string Hostname, ValueList<InterfaceConfig> Interfaces, ValueList<string> Nameservers);

/// <summary>A registry mirror.</summary>
public sealed record RegistryMirror(ValueList<string> Endpoints, bool SkipFallback);

/// <summary><c>machine.registries</c>.</summary>
public sealed record RegistriesConfig(ValueMap<RegistryMirror> Mirrors);

/// <summary><c>machine.features</c>.</summary>
public sealed record FeaturesConfig(bool Rbac);

/// <summary><c>machine.time</c>.</summary>
public sealed record TimeConfig(bool Disabled, ValueList<string> Servers);

/// <summary><c>machine</c>.</summary>
public sealed record MachineSection(string Type, string Token, CertAndKey? Ca, ValueList<CertAndKey> AcceptedCAs,
    ValueList<string> CertSANs, InstallConfig? Install, UpgradeConfig? Upgrade, KubeletConfig? Kubelet,
    NetworkConfig? Network, RegistriesConfig? Registries, FeaturesConfig? Features, TimeConfig? Time,
    ValueMap<string> Sysctls);

/// <summary><c>cluster.controlPlane</c>.</summary>
public sealed record ControlPlaneConfig(string Endpoint);

/// <summary><c>cluster.network</c>.</summary>
public sealed record ClusterNetworkConfig(string DnsDomain, ValueList<string> PodSubnets, ValueList<string> ServiceSubnets, string CniName);

/// <summary><c>cluster.etcd</c>.</summary>
public sealed record EtcdConfig(CertAndKey? Ca);

/// <summary>
/// <c>cluster.apiServer</c>, <c>cluster.controllerManager</c>, <c>cluster.scheduler</c>, <c>cluster.proxy</c>: the
/// component's container image (upstream has more fields; Talos.NET reads the image, whose tag is the version of the
/// simulated component, issue #12).
/// </summary>
public sealed record ComponentConfig(string Image);

/// <summary><c>cluster</c>.</summary>
public sealed record ClusterSection(string Id, string Secret, string ClusterName, ControlPlaneConfig? ControlPlane,
    ClusterNetworkConfig? Network, string Token, CertAndKey? Ca, EtcdConfig? Etcd)
{
    // Init-only rather than positional so that every existing constructor call stays valid (issue #12).

    /// <summary><c>cluster.apiServer</c> (control planes).</summary>
    public ComponentConfig? ApiServer { get; init; }

    /// <summary><c>cluster.controllerManager</c> (control planes).</summary>
    public ComponentConfig? ControllerManager { get; init; }

    /// <summary><c>cluster.proxy</c>.</summary>
    public ComponentConfig? Proxy { get; init; }

    /// <summary><c>cluster.scheduler</c> (control planes).</summary>
    public ComponentConfig? Scheduler { get; init; }
}

/// <summary>
/// <c>audit</c> — OUR EXTENSION: where machined mirrors its event log for fleet audit (PostgreSQL via Marten).
/// </summary>
/// <param name="ConnectionString">Npgsql connection string ("" = no mirror).</param>
/// <param name="Schema">Database schema of the event store (default <c>talos_audit</c>).</param>
public sealed record AuditConfig(string ConnectionString, string Schema)
{
    /// <summary>Default schema name.</summary>
    public const string DefaultSchema = "talos_audit";

    /// <summary>Schema with the default applied.</summary>
    public string EffectiveSchema => Schema.Length == 0 ? DefaultSchema : Schema;
}

/// <summary>A <c>HostnameConfig</c> typed document (multi-document configs, as upstream 1.12+).</summary>
public sealed record HostnameDocument(string Hostname, string Auto);
