using System.Security.Authentication;
using Grpc.Core;

namespace Talos.Ctl.Client;

/// <summary>
/// Turns gRPC failures into one line a user can act on (which node, what failed, what to do). Two kinds are told apart
/// (issue 20 item 7): a status the node sent (no debug exception: the call reached machined, which refused it) keeps
/// upstream's "rpc error: code = X desc = Y" with a hint for its code; a failure of the connection itself (Grpc.Net
/// records the exception) is described as a socket, TLS or timeout problem, and only a real TLS failure (an
/// <see cref="AuthenticationException"/> or a broken handshake in the chain) is called one.
/// </summary>
public static class RpcErrors
{
    /// <summary>The user-facing message for an RPC failure against <paramref name="node"/>.</summary>
    public static string Describe(RpcException e, string node, bool insecure)
    {
        if (Find<CertFingerprintMismatchException>(e) is { } pin)
            return $"{node}: {pin.Message} (another machine answers at this address, or its maintenance certificate was regenerated: check the node's log)";
        return e.Status.DebugException is null ? FromNode(e, node) : FromTransport(e, node, insecure);
    }

    /// <summary>A status machined sent: upstream's wording plus what the code means for the user.</summary>
    private static string FromNode(RpcException e, string node)
    {
        var detail = e.Status.Detail;
        var hint = e.StatusCode switch
        {
            StatusCode.PermissionDenied => null,
            StatusCode.DeadlineExceeded => null,
            StatusCode.Unavailable => "the node is reachable but cannot serve this request right now: retry shortly",
            StatusCode.Unauthenticated => "the node did not accept the caller's identity: check the talosconfig context's certificate",
            StatusCode.InvalidArgument => "the node refused the request's input: fix it and retry; nothing was changed",
            StatusCode.FailedPrecondition => "the node's current state does not allow this request",
            StatusCode.AlreadyExists => "it exists already",
            StatusCode.ResourceExhausted => "the request or its answer is too large, or the node ran out of a resource",
            StatusCode.Unimplemented => "the node does not support this request: it may run another version (see \"talosctl version\")",
            StatusCode.Aborted => "the operation was aborted, e.g. by a conflicting one: retry",
            StatusCode.OutOfRange => "a value is out of the accepted range",
            StatusCode.Cancelled => "the call was cancelled",
            _ => "the node failed internally: see \"talosctl logs machined\" and \"talosctl dmesg\"",
        };
        return e.StatusCode switch
        {
            StatusCode.PermissionDenied => $"{node}: permission denied: {detail}",
            StatusCode.DeadlineExceeded => $"{node}: timed out waiting for the node{(detail is "" or "Deadline Exceeded" ? "" : ": " + detail)}",
            // NotFound's detail names what is missing: upstream's line as it is.
            StatusCode.NotFound => $"{node}: rpc error: code = NotFound desc = {detail}",
            _ => $"{node}: rpc error: code = {e.StatusCode} desc = {detail} ({hint})",
        };
    }

    /// <summary>The connection failed (socket, TLS, HTTP/2) or the client gave up: the node's handlers never answered.</summary>
    private static string FromTransport(RpcException e, string node, bool insecure)
    {
        var detail = e.Status.Detail;
        if (Cause(e) is { } socket) return $"{node}: node unreachable: {socket} (is machined running and is the endpoint right?)";
        if (e.StatusCode == StatusCode.DeadlineExceeded) return $"{node}: timed out waiting for the node";
        if (detail.Contains("remote certificate is invalid", StringComparison.Ordinal))
            return $"{node}: the node's certificate is not signed by the talosconfig's CA (wrong context, or the node has new secrets: check \"talosctl config info\")";
        if (TlsFailure(e))
            return insecure
                // --insecure offers no client certificate: a configured node ends the handshake.
                ? $"{node}: connection closed during the TLS handshake: the node is configured and requires a client certificate (drop --insecure and use the talosconfig)"
                // With mTLS the node refusing our client certificate ends the handshake (the exact text depends on timing).
                : $"{node}: connection closed during the TLS handshake: the node rejected the client certificate (wrong CA, expired, or the node is in maintenance mode: try --insecure)";
        return $"{node}: connection to the node failed: {Short(detail)} (is machined running and is the endpoint right?)";
    }

    /// <summary>A handshake that did not complete: SslStream's AuthenticationException, or HTTP/2 never came up over TLS.</summary>
    private static bool TlsFailure(RpcException e) =>
        Find<AuthenticationException>(e) is not null || Http2Handshake(e.Status.Detail) || e.Status.Detail.Contains("SslStream", StringComparison.Ordinal)
        || Chain(e).Any(x => x.Message.Contains("handshake", StringComparison.OrdinalIgnoreCase) || x.Message.Contains("SSL", StringComparison.Ordinal));

    /// <summary>The socket-level cause ("connection refused") when the client recorded one; Grpc.Net's own detail is vaguer.</summary>
    private static string? Cause(RpcException e) => Find<System.Net.Sockets.SocketException>(e)?.Message.ToLowerInvariant();

    private static bool Http2Handshake(string detail) => detail.Contains("HTTP/2 handshake", StringComparison.Ordinal);

    private static IEnumerable<Exception> Chain(RpcException e)
    {
        for (var x = e.Status.DebugException; x is not null; x = x.InnerException) yield return x;
    }

    private static T? Find<T>(RpcException e) where T : Exception => Chain(e).OfType<T>().FirstOrDefault();

    private static string Short(string s)
    {
        var i = s.IndexOf(" HttpRequestException", StringComparison.Ordinal);
        return (i > 0 ? s[..i] : s).Trim();
    }
}
