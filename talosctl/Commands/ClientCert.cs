using System.Security.Cryptography.X509Certificates;
using System.Text;
using Talos.Ctl.Config;

namespace Talos.Ctl.Commands;

/// <summary>Reads the client certificate of a context (roles from O=, expiry).</summary>
public static class ClientCert
{
    /// <summary>The certificate, or null when the context has none.</summary>
    public static X509Certificate2? Of(TalosContext ctx)
    {
        if (string.IsNullOrEmpty(ctx.Crt)) return null;
        var pem = Encoding.UTF8.GetString(Convert.FromBase64String(ctx.Crt));
        return X509Certificate2.CreateFromPem(pem);
    }

    /// <summary>Comma-separated roles (every O= of the subject), or null.</summary>
    public static string? RolesOf(TalosContext ctx)
    {
        using var cert = Of(ctx);
        if (cert is null) return null;
        var roles = cert.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().FriendlyName == "O")
            .Select(r => r.GetSingleElementValue() ?? "")
            .Where(v => v.Length > 0)
            .OrderBy(v => v, StringComparer.Ordinal);
        return string.Join(", ", roles);
    }

    /// <summary>Expiry as upstream prints it, or null.</summary>
    public static string? ExpiryOf(TalosContext ctx)
    {
        using var cert = Of(ctx);
        return cert?.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'");
    }
}
