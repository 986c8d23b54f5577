using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Talos.Machined.Api;

namespace Talos.Machined.Etcd;

/// <summary>
/// Kestrel on <c>address:2380</c> serving <see cref="EtcdPeerService"/> over mutual TLS: the client certificate must
/// chain to the etcd CA with EKU clientAuth (the same validator as the machine API, with the etcd CA as anchor).
/// </summary>
public sealed class EtcdPeerHost : IAsyncDisposable
{
    /// <summary>etcd's peer port.</summary>
    public const int Port = 2380;

    private readonly WebApplication _app;

    private EtcdPeerHost(WebApplication app) => _app = app;

    /// <summary>Starts the peer listener.</summary>
    public static async Task<EtcdPeerHost> StartAsync(IPAddress address, int port, EtcdPeerTls tls, EtcdEngine engine, TimeProvider time, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        var context = SslStreamCertificateContext.Create(tls.Server, [tls.Ca], offline: true);
        b.WebHost.ConfigureKestrel(k => k.Listen(address, port, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            l.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = context,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    ClientCertificateRequired = true,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    {
                        using var owned = cert is null or X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                        return ClientCertificateValidator.Validate(cert as X509Certificate2 ?? owned, tls.Ca, time.GetUtcNow().UtcDateTime) is null;
                    },
                }),
            });
        }));
        b.Services.AddGrpc();
        b.Services.AddSingleton(engine);
        var app = b.Build();
        app.MapGrpcService<EtcdPeerService>();
        await app.StartAsync(ct);
        return new EtcdPeerHost(app);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
