using System.Net;
using Grpc.Core;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Api;

/// <summary>A new config's PKI takes effect for new connections, with no restart and no dropped connection.</summary>
public sealed class CertificateRotationTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.4.3");

    [Fact]
    public async Task Rotation_switches_new_connections_to_the_new_ca_and_keeps_open_ones()
    {
        var oldPki = new TestPki(31, Address);
        var newPki = new TestPki(32, Address, PkiKeyAlgorithm.EcdsaP256);
        await using var host = await MachinedApiHost.StartAsync(new ApiHostOptions { Address = Address, Port = 0, Pki = oldPki.Api, Configured = true });
        var version = ExpectedRbac.AllServed.Single(m => m.FullName == "/machine.MachineService/Version");

        using var before = ApiClient.Open(host.EndPoint, oldPki.Client(Roles.Reader), oldPki.CaCertificate);
        Assert.Equal(StatusCode.OK, await RawCaller.CallAsync(before, version));

        host.RotatePki(newPki.Api);

        // The connection opened before the rotation keeps working (no downtime).
        Assert.Equal(StatusCode.OK, await RawCaller.CallAsync(before, version));
        // New connections: the new client certificate and the new server certificate.
        using (var fresh = ApiClient.Open(host.EndPoint, newPki.Client(Roles.Reader), newPki.CaCertificate))
        {
            var reply = await new MachineService.MachineServiceClient(fresh).VersionAsync(new());
            Assert.Single(reply.Messages);
        }
        // An old-CA client certificate is refused by the server on a new connection.
        using (var oldCert = ApiClient.Open(host.EndPoint, oldPki.Client(Roles.Admin), newPki.CaCertificate))
            MutualTlsRbacMatrixTests.AssertRejectedAtHandshake(await RawCaller.CallWithDetailAsync(oldCert, version, null));
        // A client that still trusts only the old CA refuses the new server certificate.
        using (var oldTrust = ApiClient.Open(host.EndPoint, newPki.Client(Roles.Admin), oldPki.CaCertificate))
        {
            var outcome = await RawCaller.CallWithDetailAsync(oldTrust, version, null);
            Assert.NotEqual(StatusCode.OK, outcome.Status);
            Assert.Contains("SSL connection could not be established", outcome.Detail);
        }
    }
}
