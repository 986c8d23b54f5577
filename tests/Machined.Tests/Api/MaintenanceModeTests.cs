using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Api;

/// <summary>An unconfigured node (maintenance mode) on 127.0.4.2 with a self-generated certificate.</summary>
public sealed class MaintenanceNodeFixture : IAsyncLifetime
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.4.2");

    public MachinedApiHost Host { get; private set; } = null!;
    public GrpcChannel Insecure { get; private set; } = null!;

    public static ApiPki SelfSigned(long seed) =>
        ApiPki.GenerateSelfSigned(PkiContext.Seeded(seed, new FixedTime(TestPki.Epoch)), [Address], []);

    public async Task InitializeAsync()
    {
        Host = await MachinedApiHost.StartAsync(new ApiHostOptions { Address = Address, Port = 0, Pki = SelfSigned(42) });
        Insecure = ApiClient.Open(Host.EndPoint, null, null);
    }

    public async Task DisposeAsync()
    {
        Insecure?.Dispose();
        if (Host is not null)
            await Host.DisposeAsync();
    }
}

/// <summary>
/// Maintenance mode (upstream apid on 50000 without a config): server-side TLS, no client certificate, every
/// caller is os:reader plus ApplyConfiguration while unconfigured; leaving it takes effect without a restart.
/// </summary>
public sealed class MaintenanceModeTests(MaintenanceNodeFixture node) : IClassFixture<MaintenanceNodeFixture>
{
    private const string Apply = "/machine.MachineService/ApplyConfiguration";

    [Fact]
    public async Task Every_method_is_allowed_as_for_a_reader_plus_apply_configuration()
    {
        var mismatches = new List<string>();
        foreach (var method in ExpectedRbac.AllServed)
        {
            var status = await RawCaller.CallAsync(node.Insecure, method);
            var expectAllowed = method.FullName == Apply || ExpectedRbac.Allows(method.FullName, [Roles.Reader]);
            var ok = expectAllowed ? status is StatusCode.OK or StatusCode.Unimplemented : status == StatusCode.PermissionDenied;
            if (!ok)
                mismatches.Add($"{method.FullName}: expected {(expectAllowed ? "allowed" : "denied")}, got {status}");
        }
        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task A_client_certificate_is_not_requested_so_an_admin_certificate_still_acts_as_reader()
    {
        var pki = new TestPki(7, MaintenanceNodeFixture.Address);
        using var channel = ApiClient.Open(node.Host.EndPoint, pki.Client(Roles.Admin), null);
        var client = new MachineService.MachineServiceClient(channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.RebootAsync(new RebootRequest()));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("caller has [os:reader]", e.Status.Detail);
    }

    [Fact]
    public async Task Version_in_maintenance_has_no_features_and_says_maintenance()
    {
        var reply = await new MachineService.MachineServiceClient(node.Insecure).VersionAsync(new());
        var v = Assert.Single(reply.Messages);
        Assert.Null(v.Features);
        Assert.Equal("maintenance", v.Platform.Mode);
        Assert.Null(v.Metadata); // no node header: upstream leaves metadata unset on direct replies
    }

    [Fact]
    public async Task Configuring_the_node_closes_maintenance_access_and_requires_mutual_tls_without_restart()
    {
        var pki = new TestPki(43, MaintenanceNodeFixture.Address);
        await using var host = await MachinedApiHost.StartAsync(new ApiHostOptions
        {
            Address = MaintenanceNodeFixture.Address, Port = 0, Pki = MaintenanceNodeFixture.SelfSigned(44),
        });
        using var maintenance = ApiClient.Open(host.EndPoint, null, null);
        var apply = ExpectedRbac.AllServed.Single(m => m.FullName == Apply);
        var version = ExpectedRbac.AllServed.Single(m => m.FullName == "/machine.MachineService/Version");
        Assert.Equal(StatusCode.Unimplemented, await RawCaller.CallAsync(maintenance, apply));

        host.MarkConfigured(pki.Api);

        // The open maintenance connection loses everything, ApplyConfiguration included.
        Assert.Equal(StatusCode.Unauthenticated, await RawCaller.CallAsync(maintenance, apply));
        Assert.Equal(StatusCode.Unauthenticated, await RawCaller.CallAsync(maintenance, version));
        // New connections without a certificate are refused at the handshake.
        using (var anonymous = ApiClient.Open(host.EndPoint, null, null))
            MutualTlsRbacMatrixTests.AssertRejectedAtHandshake(await RawCaller.CallWithDetailAsync(anonymous, version, null));
        // A certificate of the configured CA works, over the configured server certificate.
        using var admin = ApiClient.Open(host.EndPoint, pki.Client(Roles.Admin), pki.CaCertificate);
        var reply = await new MachineService.MachineServiceClient(admin).VersionAsync(new());
        Assert.True(reply.Messages.Single().Features.Rbac);
        Assert.Equal(StatusCode.Unimplemented, await RawCaller.CallAsync(admin, apply));
    }
}
