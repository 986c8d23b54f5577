using Grpc.Core;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Api;

public sealed class RbacPolicyTests
{
    private static CallerIdentity Secure(params string[] roles) => new(ConnectionMode.Secure, Roles.Normalize(roles), "CN=x", false);
    private static readonly CallerIdentity Maintenance = new(ConnectionMode.Maintenance, [Roles.Reader], null, false);

    [Fact]
    public void The_production_table_is_exactly_the_expected_table_and_covers_every_served_method()
    {
        var letters = new Dictionary<string, char>
        {
            [Roles.Admin] = 'A', [Roles.Operator] = 'O', [Roles.Reader] = 'R', [Roles.EtcdBackup] = 'E', [Roles.MetaWriter] = 'M',
        };
        var actual = RbacPolicy.Rules.ToDictionary(kv => kv.Key,
            kv => new string(kv.Value.Select(r => letters[r]).OrderBy(c => "AOREM".IndexOf(c)).ToArray()));
        Assert.Equal(ExpectedRbac.Table.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        Assert.Equal(ExpectedRbac.AllServed.Select(m => m.FullName).Order(), RbacPolicy.Rules.Keys.Order());
    }

    [Fact]
    public void Unlisted_methods_are_denied_even_to_admin()
    {
        var d = RbacPolicy.Decide("/machine.MachineService/Copy", Secure(Roles.Admin), nodeConfigured: true);
        Assert.False(d.Allowed);
        Assert.Equal(StatusCode.PermissionDenied, d.Code);
    }

    [Fact]
    public void Maintenance_callers_may_apply_a_config_only_while_unconfigured()
    {
        Assert.True(RbacPolicy.Decide(RbacPolicy.ApplyConfigurationMethod, Maintenance, nodeConfigured: false).Allowed);
        Assert.False(RbacPolicy.Decide(RbacPolicy.ApplyConfigurationMethod, Secure(Roles.Reader), nodeConfigured: false).Allowed);
        var after = RbacPolicy.Decide(RbacPolicy.ApplyConfigurationMethod, Maintenance, nodeConfigured: true);
        Assert.Equal(StatusCode.Unauthenticated, after.Code);
        Assert.Equal(StatusCode.Unauthenticated, RbacPolicy.Decide("/machine.MachineService/Version", Maintenance, true).Code);
        Assert.False(RbacPolicy.Decide("/machine.MachineService/Reset", Maintenance, false).Allowed);
    }

    [Fact]
    public void Impersonation_roles_come_from_every_talos_role_value()
    {
        var md = new Metadata { { "talos-role", "os:reader" }, { "talos-role", "os:operator, os:etcd:backup" }, { "other", "os:admin" } };
        Assert.Equal(["os:etcd:backup", "os:operator", "os:reader"], CallerIdentity.RolesFromMetadata(md));
        Assert.Empty(CallerIdentity.RolesFromMetadata(new Metadata()));
    }

    [Fact]
    public void A_caller_with_several_roles_gets_the_union()
    {
        Assert.True(RbacPolicy.Decide("/machine.MachineService/EtcdSnapshot", Secure(Roles.Reader, Roles.EtcdBackup), true).Allowed);
        Assert.True(RbacPolicy.Decide("/machine.MachineService/Version", Secure(Roles.Reader, Roles.EtcdBackup), true).Allowed);
        Assert.False(RbacPolicy.Decide("/machine.MachineService/Reboot", Secure(Roles.Reader, Roles.EtcdBackup), true).Allowed);
    }
}
