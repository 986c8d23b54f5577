using Talos.Core.Errors;
using Talos.Core.Pki;
using Talos.Machined.Api;

namespace Talos.Machined.Tests.Api;

public sealed class ResourceTypesTests
{
    private static CallerIdentity Caller(params string[] roles) => new(ConnectionMode.Secure, roles, "CN=x", false);

    [Theory]
    [InlineData("", "MachineStatuses.runtime.talos.dev", "MachineStatuses.runtime.talos.dev")]
    [InlineData("runtime", "machinestatus", "MachineStatuses.runtime.talos.dev")]
    [InlineData("", "MC", "MachineConfigs.config.talos.dev")]
    [InlineData("config", "machineconfig", "MachineConfigs.config.talos.dev")]
    [InlineData("", "bootslots", "BootSlots.runtime.talos.dev")]
    public void Types_resolve_by_name_or_alias(string ns, string name, string expected) =>
        Assert.Equal(expected, ResourceTypes.Resolve(ns, name).Type);

    [Theory]
    [InlineData("", "Pods.k8s.talos.dev")]
    [InlineData("config", "machinestatus")]
    public void Unknown_types_and_wrong_namespaces_are_not_found_with_the_known_list(string ns, string name)
    {
        var e = Assert.Throws<UnknownResourceTypeException>(() => ResourceTypes.Resolve(ns, name));
        Assert.Equal(ErrorCode.NotFound, e.Code);
        Assert.Contains("MachineStatuses.runtime.talos.dev", e.Message);
    }

    [Fact]
    public void Only_admin_sees_the_machine_config_unredacted()
    {
        var mc = ResourceTypes.Resolve("", "machineconfig");
        Assert.False(ResourceTypes.MustRedact(Caller(Roles.Admin), mc));
        Assert.True(ResourceTypes.MustRedact(Caller(Roles.Operator, Roles.Reader), mc));
        Assert.False(ResourceTypes.MustRedact(Caller(Roles.Reader), ResourceTypes.Resolve("", "machinestatus")));
    }
}
