using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Api;

/// <summary>One configured node (mutual TLS) on 127.0.4.1, shared by every case of the matrix.</summary>
public sealed class ConfiguredNodeFixture : IAsyncLifetime
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.4.1");

    public TestPki Pki { get; } = new(seed: 41, Address);
    public TestPki ForeignPki { get; } = new(seed: 99, Address);
    public MachinedApiHost Host { get; private set; } = null!;
    private readonly Dictionary<string, GrpcChannel> _channels = new();

    public async Task InitializeAsync() =>
        Host = await MachinedApiHost.StartAsync(new ApiHostOptions { Address = Address, Port = 0, Pki = Pki.Api, Configured = true });

    /// <summary>One reused channel per client identity (many calls over one connection).</summary>
    public GrpcChannel Channel(string identity, Func<GrpcChannel> open)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(identity, out var ch))
                _channels[identity] = ch = open();
            return ch;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var ch in _channels.Values)
            ch.Dispose();
        if (Host is not null)
            await Host.DisposeAsync();
    }
}

/// <summary>
/// Every served RPC × every client identity over real Kestrel and real mutual TLS: allowed or denied exactly as
/// the expected table (<see cref="ExpectedRbac"/>) says; certificates from another CA, or none, never get a call
/// through.
/// </summary>
public sealed class MutualTlsRbacMatrixTests(ConfiguredNodeFixture node) : IClassFixture<ConfiguredNodeFixture>
{
    /// <summary>Identity name, certificate roles, impersonated roles (null: no talos-role metadata), effective roles.</summary>
    public static TheoryData<string, string[], string[]?, string[]> Identities => new()
    {
        { "admin", [Roles.Admin], null, [Roles.Admin] },
        { "operator", [Roles.Operator], null, [Roles.Operator] },
        { "reader", [Roles.Reader], null, [Roles.Reader] },
        { "etcd-backup", [Roles.EtcdBackup], null, [Roles.EtcdBackup] },
        { "meta-writer", [Roles.MetaWriter], null, [Roles.MetaWriter] },
        { "reader+etcd-backup", [Roles.Reader, Roles.EtcdBackup], null, [Roles.Reader, Roles.EtcdBackup] },
        { "unknown-role", ["os:nonsense"], null, [] },
        { "impersonator-as-reader", [Roles.Impersonator], [Roles.Reader], [Roles.Reader] },
        { "impersonator-as-operator", [Roles.Impersonator], [Roles.Operator], [Roles.Operator] },
        { "impersonator-as-admin", [Roles.Impersonator], [Roles.Admin], [Roles.Admin] },
        { "impersonator-without-metadata", [Roles.Impersonator], null, [] },
        // An impersonator's own O= roles do not count: only the metadata does.
        { "impersonator+admin-cert-as-reader", [Roles.Impersonator, Roles.Admin], [Roles.Reader], [Roles.Reader] },
    };

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task Every_method_is_allowed_or_denied_as_the_table_says(string identity, string[] certRoles,
        string[]? impersonated, string[] effective)
    {
        var channel = node.Channel(identity, () => ApiClient.Open(node.Host.EndPoint, node.Pki.Client(certRoles), node.Pki.CaCertificate));
        var headers = impersonated is null ? null : ApiClient.ImpersonatingAs(impersonated);
        var mismatches = new List<string>();
        foreach (var method in ExpectedRbac.AllServed)
        {
            var status = await RawCaller.CallAsync(channel, method, headers);
            var expectAllowed = ExpectedRbac.Allows(method.FullName, effective);
            var denied = status is StatusCode.PermissionDenied or StatusCode.Unauthenticated;
            // Allowed calls reach the service: OK (Version, health, reflection), Unimplemented (runtime not plugged
            // in) or the read-only COSI refusal of writes (PermissionDenied from the service, checked separately).
            var isCosiWrite = method.FullName.StartsWith("/cosi.resource.State/", StringComparison.Ordinal)
                && !method.FullName.EndsWith("/Get", StringComparison.Ordinal) && !method.FullName.EndsWith("/List", StringComparison.Ordinal)
                && !method.FullName.EndsWith("/Watch", StringComparison.Ordinal);
            var ok = expectAllowed
                ? (isCosiWrite ? status == StatusCode.PermissionDenied : status is StatusCode.OK or StatusCode.Unimplemented)
                : status == StatusCode.PermissionDenied;
            if (!ok)
                mismatches.Add($"{method.FullName}: expected {(expectAllowed ? "allowed" : "denied")}, got {status}");
            if (!expectAllowed && !denied)
                mismatches.Add($"{method.FullName}: reached the service although denied ({status})");
        }
        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task A_denied_call_names_the_method_and_the_roles_required()
    {
        var channel = node.Channel("reader", () => ApiClient.Open(node.Host.EndPoint, node.Pki.Client(Roles.Reader), node.Pki.CaCertificate));
        var client = new MachineService.MachineServiceClient(channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.RebootAsync(new RebootRequest()));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("/machine.MachineService/Reboot: not authorized: requires one of [os:admin, os:operator], caller has [os:reader]", e.Status.Detail);
    }

    [Fact]
    public async Task Cosi_writes_pass_rbac_for_admin_but_the_state_is_read_only()
    {
        var channel = node.Channel("admin", () => ApiClient.Open(node.Host.EndPoint, node.Pki.Client(Roles.Admin), node.Pki.CaCertificate));
        var client = new Talos.Api.Cosi.State.StateClient(channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CreateAsync(new Talos.Api.Cosi.CreateRequest()));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("write access is not allowed", e.Status.Detail);
    }

    [Fact]
    public async Task Version_reports_this_build_with_rbac_enabled_and_the_node_header_as_hostname()
    {
        var channel = node.Channel("operator", () => ApiClient.Open(node.Host.EndPoint, node.Pki.Client(Roles.Operator), node.Pki.CaCertificate));
        var reply = await new MachineService.MachineServiceClient(channel).VersionAsync(new(), new Metadata { { "node", "127.0.4.1" } });
        var v = Assert.Single(reply.Messages);
        Assert.Equal("127.0.4.1", v.Metadata.Hostname);
        Assert.StartsWith("v", v.Version_.Tag);
        Assert.Equal(BuildVersion.Read().Tag, v.Version_.Tag);
        Assert.Equal("linux", v.Version_.Os);
        Assert.Contains(".NET", v.Version_.GoVersion);
        Assert.True(v.Features.Rbac);
        Assert.Equal("metal", v.Platform.Mode);
    }

    [Fact]
    public async Task Health_reports_serving_and_reflection_lists_the_served_services()
    {
        var channel = node.Channel("reader", () => ApiClient.Open(node.Host.EndPoint, node.Pki.Client(Roles.Reader), node.Pki.CaCertificate));
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new())).Status);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new() { Service = "machine.MachineService" })).Status);

        using var call = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new() { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("machine.MachineService", names);
        Assert.Contains("cosi.resource.State", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_gets_no_call_through()
    {
        using var channel = ApiClient.Open(node.Host.EndPoint, node.ForeignPki.Client(Roles.Admin), node.Pki.CaCertificate);
        foreach (var method in ExpectedRbac.AllServed)
            AssertRejectedAtHandshake(await RawCaller.CallWithDetailAsync(channel, method, null));
    }

    [Fact]
    public async Task No_client_certificate_gets_no_call_through()
    {
        using var channel = ApiClient.Open(node.Host.EndPoint, null, node.Pki.CaCertificate);
        foreach (var method in ExpectedRbac.AllServed)
            AssertRejectedAtHandshake(await RawCaller.CallWithDetailAsync(channel, method, null));
    }

    [Fact]
    public async Task The_server_certificate_used_as_a_client_certificate_is_rejected()
    {
        // Signed by the right CA but with EKU serverAuth: apid requires exactly clientAuth.
        var serverAsClient = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
            node.Pki.Server.CertificatePem, node.Pki.Server.KeyPem);
        using var channel = ApiClient.Open(node.Host.EndPoint, serverAsClient, node.Pki.CaCertificate);
        AssertRejectedAtHandshake(await RawCaller.CallWithDetailAsync(channel, ExpectedRbac.AllServed.First(m => m.FullName.EndsWith("/Version")), null));
    }

    /// <summary>
    /// A rejected client certificate is seen by the client as a failed connection, not as an auth status
    /// (spike-grpc-mtls.md §2): the TLS handshake completes on the client side, then the server drops the
    /// connection before HTTP/2 starts. Grpc.Net.Client reports Unavailable or Internal depending on timing;
    /// "Error starting gRPC call" proves no request was ever sent.
    /// </summary>
    internal static void AssertRejectedAtHandshake(CallOutcome outcome)
    {
        Assert.True(outcome.Status is StatusCode.Unavailable or StatusCode.Internal, $"{outcome.Status}: {outcome.Detail}");
        Assert.StartsWith("Error starting gRPC call", outcome.Detail);
    }

    [Fact]
    public async Task A_method_the_node_does_not_serve_is_unimplemented_for_everyone()
    {
        var channel = node.Channel("admin", () => ApiClient.Open(node.Host.EndPoint, node.Pki.Client(Roles.Admin), node.Pki.CaCertificate));
        var status = await RawCaller.CallAsync(channel, new ServedMethod("/machine.MachineService/Containers", MethodType.Unary));
        Assert.Equal(StatusCode.Unimplemented, status);
    }
}
