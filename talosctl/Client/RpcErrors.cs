using Grpc.Core;

namespace Talos.Ctl.Client;

/// <summary>Turns gRPC failures into one line a user can act on (which node, what failed, what to do).</summary>
public static class RpcErrors
{
    /// <summary>The user-facing message for an RPC failure against <paramref name="node"/>.</summary>
    public static string Describe(RpcException e, string node, bool insecure)
    {
        var detail = e.Status.Detail;
        if (Find<CertFingerprintMismatchException>(e) is { } pin)
            return $"{node}: {pin.Message} (another machine answers at this address, or its maintenance certificate was regenerated: check the node's log)";
        return e.StatusCode switch
        {
            // The TCP connection was made (no socket error) but TLS/HTTP2 did not come up: with mTLS that is the node
            // refusing our client certificate (the exact text depends on timing: handshake, SslStream, premature end).
            StatusCode.Unavailable when !insecure && (Cause(e) is null || Http2Handshake(detail) || detail.Contains("SslStream", StringComparison.Ordinal)) =>
                $"{node}: connection closed during the TLS handshake: the node rejected the client certificate (wrong CA, expired, or the node is in maintenance mode: try --insecure)",
            // --insecure offers no client certificate: a configured node ends the handshake (no socket error either).
            StatusCode.Unavailable or StatusCode.Internal when insecure && Cause(e) is null && (e.StatusCode == StatusCode.Unavailable || Http2Handshake(detail)) =>
                $"{node}: connection closed during the TLS handshake: the node is configured and requires a client certificate (drop --insecure and use the talosconfig)",
            StatusCode.Unavailable =>
                $"{node}: node unreachable: {Cause(e) ?? Short(detail)} (is machined running and is the endpoint right?)",
            StatusCode.Internal when detail.Contains("remote certificate is invalid", StringComparison.Ordinal) =>
                $"{node}: the node's certificate is not signed by the talosconfig's CA (wrong context, or the node has new secrets: check \"talosctl config info\")",
            StatusCode.PermissionDenied => $"{node}: permission denied: {detail}",
            StatusCode.DeadlineExceeded => $"{node}: timed out waiting for the node",
            _ => $"{node}: rpc error: code = {e.StatusCode} desc = {detail}",
        };
    }

    /// <summary>The socket-level cause ("connection refused") when the client recorded one; Grpc.Net's own detail is vaguer.</summary>
    private static string? Cause(RpcException e)
    {
        for (var x = e.Status.DebugException; x is not null; x = x.InnerException)
            if (x is System.Net.Sockets.SocketException s) return s.Message.ToLowerInvariant();
        return null;
    }

    private static bool Http2Handshake(string detail) => detail.Contains("HTTP/2 handshake", StringComparison.Ordinal);

    private static T? Find<T>(RpcException e) where T : Exception
    {
        for (var x = e.Status.DebugException; x is not null; x = x.InnerException)
            if (x is T t) return t;
        return null;
    }

    private static string Short(string s)
    {
        var i = s.IndexOf(" HttpRequestException", StringComparison.Ordinal);
        return (i > 0 ? s[..i] : s).Trim();
    }
}
