namespace Talos.Machined.Api;

/// <summary>
/// How a connection was accepted, fixed by the server at TLS handshake time from the node's state (never from
/// anything the client sends, such as Host or :authority). Stored in the connection's items.
/// </summary>
public enum ConnectionMode
{
    /// <summary>Mutual TLS: the client presented a certificate that chains to this node's OS CA.</summary>
    Secure,
    /// <summary>Maintenance mode: server-side TLS only, no client certificate, caller acts as os:reader.</summary>
    Maintenance,
}
