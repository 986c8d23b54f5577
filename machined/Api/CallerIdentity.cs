using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Talos.Core.Pki;

namespace Talos.Machined.Api;

/// <summary>
/// Who is calling, as decided by the RBAC interceptor before any service code runs: the connection mode and
/// the effective roles. Services read it with <see cref="CallerIdentityExtensions.GetCaller"/> (e.g. to redact
/// secrets unless the caller is os:admin).
/// </summary>
/// <param name="Mode">How the connection was accepted.</param>
/// <param name="Roles">Effective roles (after impersonation), sorted.</param>
/// <param name="Subject">Client certificate subject, or null in maintenance mode.</param>
/// <param name="Impersonated">True when the roles came from <c>talos-role</c> metadata.</param>
public sealed record CallerIdentity(ConnectionMode Mode, IReadOnlyList<string> Roles, string? Subject, bool Impersonated)
{
    internal const string UserStateKey = "talos.caller";

    /// <summary>True if the caller holds <paramref name="role"/>.</summary>
    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>
    /// Every O= value of the certificate's Subject, one role per O= RDN; multi-valued RDNs are not roles.
    /// </summary>
    public static IReadOnlyList<string> RolesFromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var roles = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.10" && rdn.GetSingleElementValue() is { } v)
                roles.Add(v);
        }
        return Talos.Core.Pki.Roles.Normalize(roles);
    }

    /// <summary>
    /// The roles an os:impersonator acts with: every <c>talos-role</c> metadata value (comma-separated lists are
    /// split). Empty when the metadata is absent, which the policy then denies.
    /// </summary>
    public static IReadOnlyList<string> RolesFromMetadata(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var values = headers.Where(e => !e.IsBinary && e.Key == Talos.Core.Pki.Roles.ImpersonationMetadataKey)
            .SelectMany(e => e.Value.Split(','));
        return Talos.Core.Pki.Roles.Normalize(values);
    }
}

/// <summary>Access to the <see cref="CallerIdentity"/> the RBAC interceptor attached to a call.</summary>
public static class CallerIdentityExtensions
{
    /// <summary>The caller of this call.</summary>
    /// <exception cref="InvalidOperationException">The call did not pass the RBAC interceptor (a wiring bug).</exception>
    public static CallerIdentity GetCaller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(CallerIdentity.UserStateKey, out var v) && v is CallerIdentity c
            ? c : throw new InvalidOperationException("no caller identity: the RBAC interceptor did not run");
    }
}
