using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Talos.Ctl.Tests.Commands;

/// <summary><c>apply-config --insecure --cert-fingerprint</c>: only the pinned maintenance certificate is accepted.</summary>
public sealed class ApplyConfigPinsTheMaintenanceCertificate : NodeCommandTestBase
{
    private const string Address = "127.0.101.100";
    private const string Config = "version: v1alpha1\nmachine:\n  type: worker\n";

    /// <summary>The SHA-256 of the certificate the node really presents, read over TLS as a user's openssl would.</summary>
    private static async Task<byte[]> PresentedFingerprint(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Address, port);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = Address, ApplicationProtocols = [SslApplicationProtocol.Http2] });
        return SHA256.HashData(ssl.RemoteCertificate!.GetRawCertData());
    }

    private async Task<(FakeNode Node, byte[] Fingerprint)> Maintenance()
    {
        var node = await FakeNode.StartAsync(Pki, Address, maintenance: true);
        File.WriteAllText(PathOf("w.yaml"), Config);
        return (node, await PresentedFingerprint(node.Port));
    }

    [Fact]
    public async Task The_pinned_fingerprint_in_base64_or_colon_hex_is_accepted()
    {
        var (node, fp) = await Maintenance();
        await using var _ = node;
        var b64 = await Run("apply-config", "--insecure", "-n", $"{Address}:{node.Port}", "--file", PathOf("w.yaml"), "--cert-fingerprint", Convert.ToBase64String(fp));
        Assert.True(b64.Rc == 0, b64.Err);
        var hex = string.Join(":", fp.Select(b => b.ToString("X2")));
        var colon = await Run("apply-config", "--insecure", "-n", $"{Address}:{node.Port}", "--file", PathOf("w.yaml"), "--cert-fingerprint", Convert.ToBase64String(new byte[32]), "--cert-fingerprint", hex);
        Assert.True(colon.Rc == 0, colon.Err);
        Assert.Equal(2, node.Machine.Requests.Count);
    }

    [Fact]
    public async Task Another_certificate_is_refused_with_its_fingerprint_and_nothing_is_sent()
    {
        var (node, fp) = await Maintenance();
        await using var _ = node;
        var wrong = SHA256.HashData(fp);
        var r = await Run("apply-config", "--insecure", "-n", $"{Address}:{node.Port}", "--file", PathOf("w.yaml"), "--cert-fingerprint", Convert.ToBase64String(wrong));
        Assert.Equal(1, r.Rc);
        Assert.Equal($"error: {Address}: the node's certificate fingerprint {Convert.ToBase64String(fp)} does not match --cert-fingerprint " +
            "(another machine answers at this address, or its maintenance certificate was regenerated: check the node's log)\n", r.Err);
        Assert.Empty(node.Machine.Requests);
    }

    [Fact]
    public async Task A_malformed_fingerprint_or_one_without_insecure_is_a_usage_error()
    {
        File.WriteAllText(PathOf("w.yaml"), Config);
        var bad = await Run("apply-config", "--insecure", "-n", Address, "--file", PathOf("w.yaml"), "--cert-fingerprint", "abc");
        Assert.Equal(1, bad.Rc);
        Assert.Equal("error: --cert-fingerprint \"abc\": not a SHA-256 fingerprint (base64 like upstream prints it, or 64 hex digits)\n", bad.Err);
        var secure = await Run("apply-config", "--file", PathOf("w.yaml"), "--cert-fingerprint", new string('a', 64));
        Assert.Equal(1, secure.Rc);
        Assert.Equal("error: --cert-fingerprint pins the maintenance-mode certificate: use it with --insecure\n", secure.Err);
    }
}
