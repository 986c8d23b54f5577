using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Talos.Machined.Api;

/// <summary>
/// The node's gRPC API host: Kestrel on one address and port (HTTP/2 over TLS only) serving MachineService,
/// the read-only COSI State, grpc.health.v1 and server reflection, behind the global error-mapping and RBAC
/// interceptors. TLS options are chosen per connection from <see cref="ApiSecurityState"/>, which gives
/// certificate rotation without restart (<see cref="RotatePki"/>) and the maintenance → configured switch
/// (<see cref="MarkConfigured"/>) on the same port, as upstream apid does on 50000.
/// </summary>
public sealed class MachinedApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ILogger _logger;

    private MachinedApiHost(WebApplication app, ApiSecurityState security, IPEndPoint endPoint)
    {
        _app = app;
        Security = security;
        EndPoint = endPoint;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<MachinedApiHost>();
    }

    /// <summary>The live security state (PKI snapshot and configured flag).</summary>
    public ApiSecurityState Security { get; }

    /// <summary>The bound address and port (the real port when 0 was requested).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The host's service provider (the runtime's registrations included).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds, binds and starts the host; returns once it accepts connections.</summary>
    public static async Task<MachinedApiHost> StartAsync(ApiHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var security = new ApiSecurityState(options.Pki, options.Configured);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton(options.TimeProvider);
        builder.Services.AddSingleton<HealthServiceImpl>();
        builder.Services.AddGrpc(ConfigureGrpc);
        builder.Services.AddGrpcReflection();
        options.ConfigureServices?.Invoke(builder.Services);
        WebApplication? app = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            // gRPC's message limit (RequestSizeGuard) is the one limit: Kestrel's default body limit (30,000,000 bytes)
            // cut a unary request between the two and the caller got Unknown (issue 22).
            k.Limits.MaxRequestBodySize = null;
            k.Listen(options.Address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    HandshakeTimeout = options.HandshakeTimeout,
                    // app is assigned before the first connection can arrive (StartAsync below).
                    OnConnection = ctx => ValueTask.FromResult(ConnectionTls(ctx, security, options.TimeProvider, app!.Services)),
                });
            });
        });
        app = builder.Build();
        app.Use(RequestSizeGuard.InvokeAsync);
        MapServices(app, options);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus("machine.MachineService", HealthCheckResponse.Types.ServingStatus.Serving);
        var host = new MachinedApiHost(app, security, BoundEndPoint(app, options));
        LogMessages.Listening(host._logger, host.EndPoint.ToString(), options.Configured ? "mutual TLS" : "maintenance");
        return host;
    }

    /// <summary>New connections use <paramref name="pki"/> (server certificate and client CA); open ones keep theirs.</summary>
    public void RotatePki(ApiPki pki)
    {
        Security.RotatePki(pki);
        LogMessages.PkiRotated(_logger, pki.ServerCertificate.Thumbprint);
    }

    /// <summary>
    /// Leaves maintenance mode (optionally switching to the configured PKI at the same instant): new connections
    /// need a client certificate, and calls on connections opened in maintenance mode are refused.
    /// </summary>
    public void MarkConfigured(ApiPki? pki = null)
    {
        Security.MarkConfigured(pki);
        LogMessages.LeftMaintenance(_logger);
    }

    /// <summary>Returns to maintenance mode with <paramref name="pki"/> (a self-signed server certificate).</summary>
    public void MarkMaintenance(ApiPki pki) => Security.MarkMaintenance(pki);

    /// <summary>Stops accepting calls and shuts Kestrel down gracefully.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _app.Services.GetRequiredService<HealthServiceImpl>().SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing);
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void ConfigureGrpc(GrpcServiceOptions o)
    {
        // Order matters: the first interceptor is the outermost, so RBAC denials and service errors both pass
        // through the error mapping, and RBAC runs before any service code.
        o.Interceptors.Add<ErrorMappingInterceptor>();
        o.Interceptors.Add<RbacInterceptor>();
        o.MaxReceiveMessageSize = RequestSizeGuard.MaxMessageBytes;
        o.MaxSendMessageSize = RequestSizeGuard.MaxMessageBytes;
        o.EnableDetailedErrors = false;
    }

    private static void MapServices(WebApplication app, ApiHostOptions options)
    {
        MapGrpcService(app, options.MachineService);
        MapGrpcService(app, options.StateService);
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();
    }

    // MapGrpcService<T> is generic only; the implementation types are chosen at run time by the node runtime.
    private static void MapGrpcService(IEndpointRouteBuilder app, Type service) =>
        typeof(GrpcEndpointRouteBuilderExtensions).GetMethods()
            .Single(m => m.Name == nameof(GrpcEndpointRouteBuilderExtensions.MapGrpcService) && m.GetParameters().Length == 1)
            .MakeGenericMethod(service).Invoke(null, [app]);

    private static SslServerAuthenticationOptions ConnectionTls(TlsHandshakeCallbackContext ctx, ApiSecurityState security,
        TimeProvider time, IServiceProvider services)
    {
        var snapshot = security.Current;
        var mode = snapshot.Configured ? ConnectionMode.Secure : ConnectionMode.Maintenance;
        // The mode is fixed here, by the server, for the connection's lifetime; RbacInterceptor reads it back.
        ctx.Connection.Items[typeof(ConnectionMode)] = mode;
        var tls = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = snapshot.Pki.CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = mode == ConnectionMode.Secure,
        };
        if (mode == ConnectionMode.Secure)
        {
            var ca = snapshot.Pki.CaCertificate;
            var remote = ctx.Connection.RemoteEndPoint?.ToString() ?? "?";
            var logger = services.GetRequiredService<ILogger<MachinedApiHost>>();
            tls.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var owned = certificate is null or X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                var reason = ClientCertificateValidator.Validate(certificate as X509Certificate2 ?? owned, ca, time.GetUtcNow().UtcDateTime);
                if (reason is not null)
                    LogMessages.ClientCertificateRejected(logger, remote, reason);
                return reason is null;
            };
        }
        return tls;
    }

    private static IPEndPoint BoundEndPoint(WebApplication app, ApiHostOptions options)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var port = address is not null && Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri.Port : options.Port;
        return new IPEndPoint(options.Address, port);
    }
}
