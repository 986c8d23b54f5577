using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// An in-process fake node: Kestrel on a 127.0.9.x loopback address serving <see cref="FakeMachineService"/> and
/// <see cref="FakeState"/> over TLS, requiring a client certificate from the test CA unless started in maintenance mode.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeNode(WebApplication app, string address, int port, FakeMachineService machine, FakeState state)
    {
        _app = app;
        Address = address;
        Port = port;
        Machine = machine;
        State = state;
    }

    public string Address { get; }
    public int Port { get; }
    public FakeMachineService Machine { get; }
    public FakeState State { get; }

    /// <summary>When set, every call is refused with PermissionDenied (as machined's RBAC interceptor does).</summary>
    public string? DenyAll { get => Machine.DenyAll; set => Machine.DenyAll = value; }

    public static async Task<FakeNode> StartAsync(TestPki pki, string address, int port = 0, bool maintenance = false)
    {
        var machine = new FakeMachineService(address);
        var state = new FakeState();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(machine);
        builder.Services.AddSingleton(state);
        builder.Services.AddGrpc(o => o.Interceptors.Add<DenyInterceptor>());
        builder.Services.AddSingleton(new DenyInterceptor(machine));
        var ca = pki.CaCertificate;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(address), port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = pki.Server(address),
                ClientCertificateMode = maintenance ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (cert, _, _) => ChainsTo(cert, ca),
            });
        }));
        var app = builder.Build();
        app.MapGrpcService<FakeMachineService>();
        app.MapGrpcService<FakeState>();
        await app.StartAsync();
        var bound = new Uri(app.Urls.First()).Port;
        return new FakeNode(app, address, bound, machine, state);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        return chain.Build(cert);
    }

    private sealed class DenyInterceptor(FakeMachineService machine) : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            Check(context);
            return continuation(request, context);
        }

        public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            Check(context);
            return continuation(request, responseStream, context);
        }

        private void Check(ServerCallContext context)
        {
            machine.NodeHeaders.Add(context.RequestHeaders.GetValue("node") ?? "");
            if (machine.FailAll is { } status) throw new RpcException(status);
            if (machine.DenyAll is { } roles)
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"{context.Method}: not authorized: requires one of [os:admin], caller has [{roles}]"));
        }
    }
}
