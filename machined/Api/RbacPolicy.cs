using System.Collections.Frozen;
using Grpc.Core;
using static Talos.Core.Pki.Roles;

namespace Talos.Machined.Api;

/// <summary>The outcome of an authorization check.</summary>
/// <param name="Allowed">True if the call may proceed.</param>
/// <param name="Code">The status to fail the call with when not allowed.</param>
/// <param name="Message">Why it was denied (empty when allowed).</param>
public readonly record struct RbacDecision(bool Allowed, StatusCode Code, string Message)
{
    /// <summary>The call may proceed.</summary>
    public static RbacDecision Allow { get; } = new(true, StatusCode.OK, "");
}

/// <summary>
/// Upstream's per-method role table (machined's <c>rules</c> map; talos-internals.md §7.3), restricted to the
/// methods Talos.NET serves, plus the health and reflection services. Default deny: a method not in the table
/// is refused for everyone, including os:admin (upstream falls back to os:admin; we list every method we serve
/// instead, so a forgotten entry fails closed). The table is repeated in specs/api.md §3.
/// <para>Maintenance connections act as os:reader and may also call ApplyConfiguration, but only while the node
/// is unconfigured; once it is configured every call on such a connection is refused (Unauthenticated).</para>
/// </summary>
public static class RbacPolicy
{
    /// <summary>The method upstream lets a maintenance-mode caller use beyond os:reader.</summary>
    public const string ApplyConfigurationMethod = "/machine.MachineService/ApplyConfiguration";

    private static readonly string[] A = [Admin];
    private static readonly string[] AO = [Admin, Operator];
    private static readonly string[] AOR = [Admin, Operator, Reader];
    private static readonly string[] AOE = [Admin, Operator, EtcdBackup];
    private static readonly string[] AORE = [Admin, Operator, Reader, EtcdBackup];
    private static readonly string[] AM = [Admin, MetaWriter];

    /// <summary>Full method name → roles allowed.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Rules { get; } = new Dictionary<string, string[]>
    {
        ["/machine.MachineService/ApplyConfiguration"] = A,
        ["/machine.MachineService/Bootstrap"] = A,
        ["/machine.MachineService/Dmesg"] = AOR,
        ["/machine.MachineService/Events"] = AOR,
        ["/machine.MachineService/EtcdMemberList"] = AORE,
        ["/machine.MachineService/EtcdForfeitLeadership"] = A,
        ["/machine.MachineService/EtcdLeaveCluster"] = A,
        ["/machine.MachineService/EtcdRecover"] = A,
        ["/machine.MachineService/EtcdRemoveMemberByID"] = A,
        ["/machine.MachineService/EtcdSnapshot"] = AOE,
        ["/machine.MachineService/GenerateClientConfiguration"] = A,
        ["/machine.MachineService/Hostname"] = AOR,
        ["/machine.MachineService/Kubeconfig"] = A,
        ["/machine.MachineService/Logs"] = AOR,
        ["/machine.MachineService/MetaWrite"] = AM,
        ["/machine.MachineService/MetaDelete"] = AM,
        ["/machine.MachineService/Reboot"] = AO,
        ["/machine.MachineService/Rollback"] = A,
        ["/machine.MachineService/Reset"] = A,
        ["/machine.MachineService/ServiceList"] = AOR,
        ["/machine.MachineService/ServiceRestart"] = AO,
        ["/machine.MachineService/ForensicsVerify"] = AO,
        ["/machine.MachineService/ServiceStart"] = AO,
        ["/machine.MachineService/ServiceStop"] = AO,
        ["/machine.MachineService/Shutdown"] = AO,
        ["/machine.MachineService/Upgrade"] = A,
        ["/machine.MachineService/Version"] = AOR,
        // COSI: reads for readers; writes pass RBAC for admin and are then refused by the read-only service.
        ["/cosi.resource.State/Get"] = AOR,
        ["/cosi.resource.State/List"] = AOR,
        ["/cosi.resource.State/Watch"] = AOR,
        ["/cosi.resource.State/Create"] = A,
        ["/cosi.resource.State/Update"] = A,
        ["/cosi.resource.State/Destroy"] = A,
        ["/cosi.resource.State/Teardown"] = A,
        ["/cosi.resource.State/TeardownAndDestroy"] = A,
        // Not in upstream machined's table (apid does not serve them); ours: liveness for every operational role.
        ["/grpc.health.v1.Health/Check"] = AORE,
        ["/grpc.health.v1.Health/Watch"] = AORE,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = AOR,
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = AOR,
    }.ToFrozenDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)kv.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Decides whether <paramref name="caller"/> may call <paramref name="method"/>.</summary>
    public static RbacDecision Decide(string method, CallerIdentity caller, bool nodeConfigured)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Mode == ConnectionMode.Maintenance)
        {
            if (nodeConfigured)
                return new(false, StatusCode.Unauthenticated,
                    "the node has left maintenance mode; reconnect with a client certificate (talosctl without --insecure)");
            if (method == ApplyConfigurationMethod)
                return RbacDecision.Allow;
        }
        if (!Rules.TryGetValue(method, out var allowed))
            return new(false, StatusCode.PermissionDenied, $"{method}: not authorized: the method is not served to any role");
        if (caller.Roles.Any(allowed.Contains))
            return RbacDecision.Allow;
        var need = string.Join(", ", allowed.Order(StringComparer.Ordinal));
        var have = caller.Roles.Count == 0 ? "none" : string.Join(", ", caller.Roles);
        return new(false, StatusCode.PermissionDenied, $"{method}: not authorized: requires one of [{need}], caller has [{have}]");
    }
}
