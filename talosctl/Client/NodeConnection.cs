using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Ctl.Config;

namespace Talos.Ctl.Client;

/// <summary>
/// A gRPC channel to one endpoint, as upstream's client builds it: mutual TLS with the context's client certificate,
/// trusting only the context's CA (never the system store), or <c>--insecure</c> (maintenance mode: TLS without a
/// client certificate and without server verification). Target nodes travel in the <c>node</c> metadata header.
/// </summary>
public sealed class NodeConnection : IDisposable
{
    /// <summary>The API port of every node (apid's, upstream).</summary>
    public const int DefaultPort = 50000;

    private NodeConnection(GrpcChannel channel, string endpoint) { Channel = channel; Endpoint = endpoint; }

    /// <summary>The channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>host:port connected to.</summary>
    public string Endpoint { get; }

    /// <summary>Opens a channel to <paramref name="endpoint"/> with the PKI of <paramref name="ctx"/>.</summary>
    public static NodeConnection Secure(string endpoint, TalosContext ctx)
    {
        if (string.IsNullOrEmpty(ctx.Ca) || string.IsNullOrEmpty(ctx.Crt) || string.IsNullOrEmpty(ctx.Key))
            throw new TalosConfigException("the talosconfig context has no client certificate (ca, crt and key are required; use --insecure for a node in maintenance mode)");
        var ca = X509Certificate2.CreateFromPem(Decode(ctx.Ca));
        using var pemCert = X509Certificate2.CreateFromPem(Decode(ctx.Crt), Decode(ctx.Key));
        // Export/import so SslStream can use the key on Linux (ephemeral PEM keys cannot be used for TLS client auth directly).
        var client = X509CertificateLoader.LoadPkcs12(pemCert.Export(X509ContentType.Pkcs12), null);
        var ssl = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { client },
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
                CustomTrustStore = { ca },
            },
        };
        return Open(endpoint, ssl);
    }

    /// <summary>
    /// Opens a channel without a client certificate (maintenance mode). The server is not verified unless
    /// <paramref name="pins"/> lists SHA-256 fingerprints (<c>--cert-fingerprint</c>): then only those certificates are accepted.
    /// </summary>
    public static NodeConnection Insecure(string endpoint, IReadOnlyList<byte[]>? pins = null) =>
        Open(endpoint, new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = pins is { Count: > 0 } ? CertFingerprints.Pinned(pins) : (_, _, _, _) => true,
        });

    /// <summary>"host" or "host:port" → "host:port" with the default port.</summary>
    public static string WithPort(string endpoint) =>
        endpoint.Contains(':', StringComparison.Ordinal) && !endpoint.StartsWith('[') ? endpoint
        : endpoint.EndsWith(']') || !endpoint.Contains(':') ? $"{endpoint}:{DefaultPort}" : endpoint;

    /// <summary>Call options targeting <paramref name="node"/> (null: the endpoint itself).</summary>
    public static CallOptions For(string? node, CancellationToken ct = default, TimeSpan? timeout = null)
    {
        var md = new Metadata();
        if (!string.IsNullOrEmpty(node)) md.Add("node", node);
        return new CallOptions(md, timeout is null ? null : DateTime.UtcNow + timeout, ct);
    }

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();

    private static NodeConnection Open(string endpoint, SslClientAuthenticationOptions ssl)
    {
        var hostPort = WithPort(endpoint);
        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true,
        };
        var channel = GrpcChannel.ForAddress($"https://{hostPort}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 32 * 1024 * 1024,   // upstream's limit
        });
        return new NodeConnection(channel, hostPort);
    }

    private static string Decode(string base64Pem) => Encoding.UTF8.GetString(Convert.FromBase64String(base64Pem));
}
