using System.Net;
using System.Text;
using Talos.Core.Config;
using Talos.Core.Pki;

namespace Talos.Machined.Api;

/// <summary>
/// The node's OS CA as its machine config carries it (<c>machine.ca.crt</c>/<c>key</c>: base64 of PEM, upstream's
/// encoding) and the API TLS material derived from it: a fresh ECDSA P-256 server certificate for the node's address.
/// </summary>
public static class NodePki
{
    /// <summary>Validity of the server certificate the node issues itself (upstream apid renews at ~half life).</summary>
    public static readonly TimeSpan ServerValidity = TimeSpan.FromDays(365);

    /// <summary>The OS CA of <paramref name="config"/>, with its key.</summary>
    /// <exception cref="InvalidApiRequestException">The config has no machine.ca, or it is not base64 of PEM.</exception>
    /// <exception cref="PkiFormatException">The PEM is malformed or the key does not match.</exception>
    public static CertificateAuthority CaOf(MachineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ca = config.Machine?.Ca;
        if (ca is null || ca.Crt.Length == 0 || ca.Key.Length == 0)
            throw new InvalidApiRequestException("machine.ca", "the machine config has no OS CA certificate and key");
        return CertificateAuthority.FromPem(Base64Pem(ca.Crt, "machine.ca.crt"), Base64Pem(ca.Key, "machine.ca.key"));
    }

    /// <summary>True when two configs carry the same OS CA (then the API keeps its TLS material).</summary>
    public static bool SameCa(MachineConfig? a, MachineConfig? b) =>
        a?.Machine?.Ca is { } x && b?.Machine?.Ca is { } y && x.Crt == y.Crt && x.Key == y.Key;

    /// <summary>API TLS material for <paramref name="address"/>: the config's CA and a new server certificate.</summary>
    public static ApiPki ForNode(MachineConfig config, IPAddress address, PkiContext context)
    {
        ArgumentNullException.ThrowIfNull(address);
        var ca = CaOf(config);
        var dns = new List<string> { "localhost" };
        if (config.Machine?.Network?.Hostname is { Length: > 0 } h) dns.Insert(0, h);
        var sans = new List<IPAddress> { address };
        foreach (var san in (IEnumerable<string>?)config.Machine?.CertSANs ?? [])
            if (IPAddress.TryParse(san, out var ip)) { if (!sans.Contains(ip)) sans.Add(ip); }
            else if (!dns.Contains(san)) dns.Add(san);
        return ApiPki.From(ca, ca.IssueServer(context, sans, dns, ServerValidity));
    }

    /// <summary>True when the config carries the OS CA key (control planes); workers get their certificate from trustd.</summary>
    public static bool HasCaKey(MachineConfig config) => config.Machine?.Ca is { Crt.Length: > 0, Key.Length: > 0 };

    /// <summary>The OS CA certificate (PEM) a worker trusts.</summary>
    public static string CaCertificatePem(MachineConfig config) =>
        Base64Pem(config.Machine?.Ca?.Crt is { Length: > 0 } crt ? crt : throw new InvalidApiRequestException("machine.ca.crt", "the machine config has no OS CA certificate"), "machine.ca.crt");

    private static string Base64Pem(string value, string field)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(value)); }
        catch (FormatException) { throw new InvalidApiRequestException(field, "is not base64 (upstream stores the PEM base64-encoded)"); }
    }
}
