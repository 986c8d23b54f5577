namespace Talos.Machined.Api;

/// <summary>
/// Per-node gates for API handlers that check the state and then append (bootstrap, META delete): the service object
/// is created per call, so the gates live in this DI singleton. Without them two concurrent calls could both pass
/// the check (two BootstrapDone events).
/// </summary>
public sealed class NodeApiLocks
{
    /// <summary>Serialises Bootstrap.</summary>
    public SemaphoreSlim Etcd { get; } = new(1, 1);

    /// <summary>Serialises MetaWrite/MetaDelete.</summary>
    public SemaphoreSlim Meta { get; } = new(1, 1);
}
