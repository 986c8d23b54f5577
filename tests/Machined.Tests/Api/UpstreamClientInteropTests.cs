using System.Diagnostics;
using System.Net;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// A non-.NET client (curl + OpenSSL, as Go's talosctl would) presenting an upstream-style Ed25519 client
/// certificate signed by the Ed25519 OS CA: the node accepts it and applies the same RBAC.
/// </summary>
public sealed class UpstreamClientInteropTests : IAsyncLifetime
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.4.5");
    private readonly TestPki _pki = new(71, Address);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("talos-interop-");
    private MachinedApiHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await MachinedApiHost.StartAsync(new ApiHostOptions { Address = Address, Port = 0, Pki = _pki.Api, Configured = true });
        File.WriteAllText(Path.Combine(_dir.FullName, "ca.crt"), _pki.Ca.CertificatePem);
        File.WriteAllBytes(Path.Combine(_dir.FullName, "empty.grpc"), new byte[5]); // one empty gRPC frame
        foreach (var role in new[] { Roles.Admin, Roles.Reader })
        {
            var c = _pki.Ca.IssueClient(_pki.Context, [role], TimeSpan.FromDays(3650), algorithm: PkiKeyAlgorithm.Ed25519);
            File.WriteAllText(Path.Combine(_dir.FullName, Safe(role) + ".crt"), c.CertificatePem);
            File.WriteAllText(Path.Combine(_dir.FullName, Safe(role) + ".key"), c.KeyPem);
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private static string Safe(string role) => role.Replace(':', '_');

    [Theory]
    [InlineData("os:admin", "Version", "grpc-status: 0")]
    [InlineData("os:reader", "Version", "grpc-status: 0")]
    [InlineData("os:reader", "Reboot", "grpc-status: 7")]
    public void An_ed25519_client_certificate_is_accepted_and_rbac_applies(string role, string method, string expected)
    {
        var output = Curl($"--cert {Safe(role)}.crt --key {Safe(role)}.key", method);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void Without_a_client_certificate_curl_gets_no_grpc_response()
    {
        var output = Curl("", "Version");
        Assert.DoesNotContain("grpc-status", output);
    }

    private string Curl(string certArgs, string method)
    {
        var args = $"-sS -v --http2 --cacert ca.crt {certArgs} -H \"content-type: application/grpc\" -H \"te: trailers\" " +
                   $"--data-binary @empty.grpc -o /dev/null --max-time 10 https://{Address}:{_host.EndPoint.Port}/machine.MachineService/{method}";
        var psi = new ProcessStartInfo("curl", args)
        {
            WorkingDirectory = _dir.FullName, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
