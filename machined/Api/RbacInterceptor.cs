using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Talos.Core.Pki;

namespace Talos.Machined.Api;

/// <summary>
/// The one global, default-deny authorization interceptor: it runs before every handler of every service
/// (machine, COSI, health, reflection), resolves the <see cref="CallerIdentity"/> from the connection (mode set at
/// TLS handshake, client certificate O= values, os:impersonator's <c>talos-role</c> metadata) and applies
/// <see cref="RbacPolicy"/>. Denials never reach service code.
/// </summary>
public sealed class RbacInterceptor(ApiSecurityState state, ILogger<RbacInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var caller = Identify(context);
        var decision = RbacPolicy.Decide(context.Method, caller, state.IsConfigured);
        if (!decision.Allowed)
        {
            LogMessages.CallDenied(logger, context.Method, caller.Mode, string.Join(",", caller.Roles), decision.Message);
            throw new RpcException(new Status(decision.Code, decision.Message));
        }
        context.UserState[CallerIdentity.UserStateKey] = caller;
    }

    /// <summary>Resolves who is calling; a connection without a recorded mode is treated as having no roles.</summary>
    internal static CallerIdentity Identify(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        var mode = items is not null && items.TryGetValue(typeof(ConnectionMode), out var m) && m is ConnectionMode cm ? cm : (ConnectionMode?)null;
        if (mode == ConnectionMode.Maintenance)
            return new CallerIdentity(ConnectionMode.Maintenance, [Roles.Reader], null, false);
        var cert = http.Connection.ClientCertificate;
        if (mode is null || cert is null)
            // Fail closed: a connection that did not pass our handshake callback has no identity.
            return new CallerIdentity(ConnectionMode.Secure, [], cert?.Subject, false);
        var roles = CallerIdentity.RolesFromCertificate(cert);
        if (roles.Contains(Roles.Impersonator, StringComparer.Ordinal))
            return new CallerIdentity(ConnectionMode.Secure, CallerIdentity.RolesFromMetadata(context.RequestHeaders), cert.Subject, true);
        return new CallerIdentity(ConnectionMode.Secure, roles, cert.Subject, false);
    }
}
