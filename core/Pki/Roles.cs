namespace Talos.Core.Pki;

/// <summary>
/// Talos API roles as carried in a client certificate's Subject O= values (one O= RDN per role) and in the
/// <c>talos-role</c> gRPC metadata of an impersonating caller. Strings are upstream's
/// (<c>pkg/machinery/role/role.go</c>); unknown role strings are kept for forward compatibility.
/// </summary>
public static class Roles
{
    /// <summary>Full access.</summary>
    public const string Admin = "os:admin";
    /// <summary>Reader plus operational actions (reboot, shutdown, services, etcd snapshot/defrag).</summary>
    public const string Operator = "os:operator";
    /// <summary>Read-only access that reveals no secrets.</summary>
    public const string Reader = "os:reader";
    /// <summary>May take etcd snapshots and read etcd membership only.</summary>
    public const string EtcdBackup = "os:etcd:backup";
    /// <summary>May write and delete META keys.</summary>
    public const string MetaWriter = "os:meta:writer";
    /// <summary>Trusted proxy: its effective roles come from the <c>talos-role</c> metadata of each call.</summary>
    public const string Impersonator = "os:impersonator";

    /// <summary>The metadata key an impersonator uses to state the roles it acts with (upstream's name).</summary>
    public const string ImpersonationMetadataKey = "talos-role";

    /// <summary>Every role this build knows, in a fixed order.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, Operator, Reader, EtcdBackup, MetaWriter, Impersonator];

    /// <summary>
    /// Normalises a role list: trims, drops empty strings (upstream ignores them), removes duplicates and sorts
    /// ordinally so that the result is deterministic.
    /// </summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        return roles.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderBy(r => r, StringComparer.Ordinal).ToArray();
    }
}
