using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace Talos.Machined.Tests.Support;

/// <summary>Real gRPC channels over real TLS, as talosctl opens them.</summary>
public static class ApiClient
{
    /// <summary>
    /// A channel that presents <paramref name="clientCertificate"/> (or none) and trusts only <paramref name="trustedCa"/>
    /// for the server; with <paramref name="trustedCa"/> null it skips server verification (talosctl --insecure).
    /// </summary>
    public static GrpcChannel Open(IPEndPoint endPoint, X509Certificate2? clientCertificate, X509Certificate2? trustedCa)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (clientCertificate is not null)
            ssl.ClientCertificates = [clientCertificate];
        if (trustedCa is null)
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else
            ssl.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
                CustomTrustStore = { trustedCa },
            };
        var handler = new SocketsHttpHandler { SslOptions = ssl, ConnectTimeout = TimeSpan.FromSeconds(5) };
        return GrpcChannel.ForAddress($"https://{endPoint}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>Metadata that makes an os:impersonator act with <paramref name="roles"/>.</summary>
    public static Metadata ImpersonatingAs(params string[] roles)
    {
        var md = new Metadata();
        foreach (var r in roles)
            md.Add("talos-role", r);
        return md;
    }
}
