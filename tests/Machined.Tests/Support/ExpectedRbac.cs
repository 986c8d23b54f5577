using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Core.Pki;

namespace Talos.Machined.Tests.Support;

/// <summary>
/// The RBAC table as the tests expect it, written independently of the production table (specs/api.md §3,
/// upstream machined rules). Letters: A os:admin, O os:operator, R os:reader, E os:etcd:backup, M os:meta:writer.
/// </summary>
public static class ExpectedRbac
{
    public static readonly IReadOnlyDictionary<string, string> Table = new Dictionary<string, string>
    {
        ["/machine.MachineService/ApplyConfiguration"] = "A",
        ["/machine.MachineService/Bootstrap"] = "A",
        ["/machine.MachineService/Dmesg"] = "AOR",
        ["/machine.MachineService/Events"] = "AOR",
        ["/machine.MachineService/EtcdMemberList"] = "AORE",
        ["/machine.MachineService/EtcdForfeitLeadership"] = "A",
        ["/machine.MachineService/EtcdLeaveCluster"] = "A",
        ["/machine.MachineService/EtcdRecover"] = "A",
        ["/machine.MachineService/EtcdRemoveMemberByID"] = "A",
        ["/machine.MachineService/EtcdSnapshot"] = "AOE",
        ["/machine.MachineService/GenerateClientConfiguration"] = "A",
        ["/machine.MachineService/Hostname"] = "AOR",
        ["/machine.MachineService/Kubeconfig"] = "A",
        ["/machine.MachineService/Logs"] = "AOR",
        ["/machine.MachineService/MetaWrite"] = "AM",
        ["/machine.MachineService/MetaDelete"] = "AM",
        ["/machine.MachineService/Reboot"] = "AO",
        ["/machine.MachineService/Rollback"] = "A",
        ["/machine.MachineService/Reset"] = "A",
        ["/machine.MachineService/ServiceList"] = "AOR",
        ["/machine.MachineService/ServiceRestart"] = "AO",
        ["/machine.MachineService/ForensicsVerify"] = "AO",
        ["/machine.MachineService/ServiceStart"] = "AO",
        ["/machine.MachineService/ServiceStop"] = "AO",
        ["/machine.MachineService/Shutdown"] = "AO",
        ["/machine.MachineService/Upgrade"] = "A",
        ["/machine.MachineService/Version"] = "AOR",
        ["/cosi.resource.State/Get"] = "AOR",
        ["/cosi.resource.State/List"] = "AOR",
        ["/cosi.resource.State/Watch"] = "AOR",
        ["/cosi.resource.State/Create"] = "A",
        ["/cosi.resource.State/Update"] = "A",
        ["/cosi.resource.State/Destroy"] = "A",
        ["/cosi.resource.State/Teardown"] = "A",
        ["/cosi.resource.State/TeardownAndDestroy"] = "A",
        ["/grpc.health.v1.Health/Check"] = "AORE",
        ["/grpc.health.v1.Health/Watch"] = "AORE",
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = "AOR",
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = "AOR",
    };

    private static readonly Dictionary<char, string> Letters = new()
    {
        ['A'] = Roles.Admin, ['O'] = Roles.Operator, ['R'] = Roles.Reader, ['E'] = Roles.EtcdBackup, ['M'] = Roles.MetaWriter,
    };

    public static bool Allows(string method, IEnumerable<string> roles) =>
        Table[method].Select(c => Letters[c]).Intersect(roles).Any();

    /// <summary>Every method the host serves, from the generated descriptors (not from the production table).</summary>
    public static IReadOnlyList<ServedMethod> AllServed { get; } =
        MachineReflection.Descriptor.Services.Single().Methods
            .Concat(StateReflection.Descriptor.Services.Single().Methods)
            .Concat(Grpc.Health.V1.HealthReflection.Descriptor.Services.Single().Methods)
            .Concat(Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services.Single().Methods)
            .Concat(Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services.Single().Methods)
            .Select(ServedMethod.From).ToArray();
}
