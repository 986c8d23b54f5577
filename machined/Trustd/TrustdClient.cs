using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.Security;
using Talos.Core.Pki;

namespace Talos.Machined.Trustd;

/// <summary>A worker asks a control plane's trustd for its API server certificate.</summary>
public static class TrustdClient
{
    /// <summary>The trustd port (upstream).</summary>
    public const int Port = 50001;

    /// <summary>
    /// Sends a CSR for <paramref name="addresses"/> to <paramref name="controlPlane"/>:50001 with the machine token.
    /// The control plane's certificate must chain to <paramref name="caPem"/> (the worker's copy of the OS CA).
    /// Returns the signed certificate (PEM) and the private key (PEM) made here.
    /// </summary>
    public static async Task<(string CrtPem, string KeyPem)> RequestAsync(string controlPlane, string token, string caPem,
        IReadOnlyCollection<IPAddress> addresses, PkiContext pki, CancellationToken ct, int port = Port)
    {
        var (csr, key) = ServerCertificateRequest.Create(pki, addresses);
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck,
                    DisableCertificateDownloads = true, CustomTrustStore = { ca },
                },
            },
        };
        using var channel = GrpcChannel.ForAddress($"https://{controlPlane}:{port}", new GrpcChannelOptions { HttpHandler = handler });
        var reply = await new SecurityService.SecurityServiceClient(channel).CertificateAsync(
            new Talos.Api.Security.CertificateRequest { Csr = ByteString.CopyFromUtf8(csr) }, new Metadata { { "token", token } }, cancellationToken: ct);
        return (reply.Crt.ToStringUtf8(), PemCodec.WritePrivateKey(key));
    }
}
