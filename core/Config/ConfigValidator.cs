using System.Net;
using System.Text.RegularExpressions;

namespace Talos.Core.Config;

/// <summary>
/// Validation of a machine config. Every rule runs; all errors are returned together. Messages use upstream's
/// exact wording (talos-internals.md §8.3) where upstream has a rule; our extensions say so in their text.
/// </summary>
internal static partial class ConfigValidator
{
    internal static ConfigValidation Validate(MachineConfig c)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        if (c.Version != MachineConfig.V1Alpha1)
            errors.Add($"invalid config version \"{c.Version}\"");
        if (!c.Persist)
            errors.Add(".persist should be enabled");
        if (c.Debug)
            warnings.Add(".debug is enabled: services log verbosely");
        if (c.Machine is null)
            errors.Add("machine instructions are required");
        else
            ValidateMachine(c.Machine, c.Cluster, errors);
        if (c.Cluster is null)
            errors.Add("cluster instructions are required");
        else
            ValidateCluster(c.Cluster, errors);
        if (c.Audit is { } a)
            ValidateAudit(a, errors);
        if (c.Hostname is { } h)
        {
            if (h.Hostname.Length > 0 && !IsDnsName(h.Hostname))
                errors.Add($"\"{h.Hostname}\" is not a valid DNS name");
            if (h.Auto is not ("" or "stable" or "off"))
                errors.Add($"HostnameConfig: invalid auto value \"{h.Auto}\" (stable, off)");
            if (h.Hostname.Length > 0 && c.Machine?.Network?.Hostname.Length > 0)
                errors.Add("static hostname is already set in v1alpha1 config");
        }
        return new ConfigValidation(errors, warnings);
    }

    private static void ValidateMachine(MachineSection m, ClusterSection? cluster, List<string> errors)
    {
        var controlPlane = m.Type is "controlplane" or "init";
        if (m.Type is not ("controlplane" or "worker" or "init"))
            errors.Add($"unknown machine type \"{m.Type}\"");
        if (controlPlane && string.IsNullOrEmpty(m.Ca?.Key))
            errors.Add("issuing CA key is required for controlplane nodes (.machine.ca.key)");
        if (m.Type == "worker")
        {
            if (!string.IsNullOrEmpty(m.Ca?.Key))
                errors.Add("issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)");
            if (string.IsNullOrEmpty(m.Ca?.Crt) && m.AcceptedCAs.Count == 0)
                errors.Add("trusted CA certificates are required on non-controlplane nodes (.machine.ca.crt, .machine.acceptedCAs)");
            if (cluster?.Etcd?.Ca is not null)
                errors.Add("etcd config is only allowed on control plane machines");
        }
        if (m.Install is { } i)
        {
            if (i.Disk.Length == 0 && i.DiskSelector is null)
                errors.Add("either install disk or diskSelector should be defined");
            if (i.ExtraKernelArgs.Count > 0 && i.GrubUseUKICmdline)
                errors.Add("install.extraKernelArgs and install.grubUseUKICmdline can't be used together");
        }
        if (m.Network?.Hostname is { Length: > 0 } host && !IsDnsName(host))
            errors.Add($"\"{host}\" is not a valid DNS name");
        foreach (var san in m.CertSANs.Where(s => !IPAddress.TryParse(s, out _) && !IsDnsName(s)))
            errors.Add($"\"{san}\" is not a valid DNS name");
        if (m.Upgrade is { } u)
            ValidateUpgrade(u, errors);
        foreach (var (name, mirror) in m.Registries?.Mirrors ?? ValueMap<RegistryMirror>.Empty)
        {
            if (mirror.Endpoints.Count == 0)
                errors.Add($"registry mirror \"{name}\" has no endpoints");
            foreach (var ep in mirror.Endpoints.Where(e => !Uri.TryCreate(e, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                errors.Add($"registry mirror \"{name}\": invalid endpoint \"{ep}\"");
        }
    }

    private static void ValidateUpgrade(UpgradeConfig u, List<string> errors)
    {
        if (u.Tries is < 0 or > 15)
            errors.Add($"machine.upgrade.tries must be between 1 and 15 (got {u.Tries}) [talos.net extension]");
        if (u.HealthDeadline.Length > 0 && !GoDuration.TryParse(u.HealthDeadline, out _))
            errors.Add($"machine.upgrade.healthDeadline: invalid duration \"{u.HealthDeadline}\" (e.g. 90s, 5m) [talos.net extension]");
        if (u.RequireSignature && u.TrustedKeys.Count == 0)
            errors.Add("machine.upgrade.requireSignature needs at least one trustedKeys entry [talos.net extension]");
        foreach (var k in u.TrustedKeys)
        {
            if (k.KeyId.Length == 0)
                errors.Add("machine.upgrade.trustedKeys: keyId is required [talos.net extension]");
            if (k.Algorithm is not ("ed25519" or "ecdsa-p256-sha256"))
                errors.Add($"machine.upgrade.trustedKeys[{k.KeyId}]: unsupported algorithm \"{k.Algorithm}\" (ed25519, ecdsa-p256-sha256) [talos.net extension]");
            if (!IsBase64(k.PublicKey))
                errors.Add($"machine.upgrade.trustedKeys[{k.KeyId}]: publicKey is not base64 [talos.net extension]");
        }
    }

    private static void ValidateCluster(ClusterSection c, List<string> errors)
    {
        var endpoint = c.ControlPlane?.Endpoint ?? "";
        if (endpoint.Length == 0)
            errors.Add("cluster controlplane endpoint is required");
        else if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            errors.Add($"invalid controlplane endpoint: parse \"{endpoint}\": must be an absolute http(s) URL");
        if (c.Network is { } n)
        {
            if (n.DnsDomain.Length > 0 && !IsDnsName(n.DnsDomain))
                errors.Add($"\"{n.DnsDomain}\" is not a valid DNS name");
            foreach (var s in n.PodSubnets.Concat(n.ServiceSubnets).Where(s => !IPNetwork.TryParse(s, out _)))
                errors.Add($"invalid CIDR \"{s}\"");
        }
    }

    private static void ValidateAudit(AuditConfig a, List<string> errors)
    {
        if (a.Schema.Length > 0 && !Identifier().IsMatch(a.Schema))
            errors.Add($"audit.schema: \"{a.Schema}\" is not a valid PostgreSQL identifier (lower-case letters, digits, _) [talos.net extension]");
        if (a.ConnectionString.Length > 0 && !a.ConnectionString.Contains('=', StringComparison.Ordinal))
            errors.Add("audit.connectionString: expected key=value pairs, e.g. \"Host=db;Database=fleet;Username=talos\" [talos.net extension]");
    }

    internal static bool IsDnsName(string s) => s.Length <= 253 && DnsName().IsMatch(s);

    private static bool IsBase64(string s)
    {
        var buf = new byte[s.Length];
        return s.Length > 0 && Convert.TryFromBase64String(s, buf, out _);
    }

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
