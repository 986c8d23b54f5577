namespace Talos.Machined.Api;

/// <summary>
/// The live security state of the API: the current PKI snapshot and whether the node is configured (out of
/// maintenance mode). Read on every TLS handshake and every call; written by the node runtime through
/// <see cref="MachinedApiHost"/>. Both fields are replaced atomically as one immutable pair.
/// </summary>
public sealed class ApiSecurityState
{
    private volatile Snapshot _current;

    /// <summary>Creates the state.</summary>
    public ApiSecurityState(ApiPki pki, bool configured)
    {
        ArgumentNullException.ThrowIfNull(pki);
        _current = new Snapshot(pki, configured);
    }

    /// <summary>The current PKI and configured flag, read together.</summary>
    public Snapshot Current => _current;

    /// <summary>True once the node has a configuration (mutual TLS required for new connections).</summary>
    public bool IsConfigured => _current.Configured;

    /// <summary>Swaps in new TLS material; affects new connections only.</summary>
    public void RotatePki(ApiPki pki)
    {
        ArgumentNullException.ThrowIfNull(pki);
        Snapshot old, next;
        do
        {
            old = _current;
            next = old with { Pki = pki };
        } while (Interlocked.CompareExchange(ref _current, next, old) != old);
    }

    /// <summary>Leaves maintenance mode, optionally with the configured PKI in the same atomic step.</summary>
    public void MarkConfigured(ApiPki? pki = null)
    {
        Snapshot old, next;
        do
        {
            old = _current;
            next = new Snapshot(pki ?? old.Pki, true);
        } while (Interlocked.CompareExchange(ref _current, next, old) != old);
    }

    /// <summary>
    /// Back to maintenance mode (a reset wiped the machine config): new connections need no client certificate and
    /// callers are os:reader plus ApplyConfiguration, as on a fresh node.
    /// </summary>
    public void MarkMaintenance(ApiPki pki)
    {
        ArgumentNullException.ThrowIfNull(pki);
        _current = new Snapshot(pki, false);
    }

    /// <summary>An immutable pair of PKI and configured flag.</summary>
    /// <param name="Pki">TLS material for new connections.</param>
    /// <param name="Configured">False while in maintenance mode.</param>
    public sealed record Snapshot(ApiPki Pki, bool Configured);
}
