using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Talos.Machined.Trustd;

/// <summary>Hosts trustd on <c>address:50001</c> (server-side TLS with the node's certificate; callers authenticate with the token).</summary>
public sealed class TrustdHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TrustdHost(WebApplication app, IPEndPoint endPoint) { _app = app; EndPoint = endPoint; }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts trustd.</summary>
    public static async Task<TrustdHost> StartAsync(IPAddress address, int port, X509Certificate2 serverCertificate,
        Func<TrustdAuthority?> authority, TimeProvider time, CancellationToken ct = default)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.Listen(address, port, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            l.UseHttps(serverCertificate);
        }));
        b.Services.AddGrpc();
        b.Services.AddSingleton(new TrustdService(authority, time));
        var app = b.Build();
        app.MapGrpcService<TrustdService>();
        await app.StartAsync(ct);
        var bound = new Uri(app.Urls.First());
        return new TrustdHost(app, new IPEndPoint(address, bound.Port));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
