using Talos.Machined.Etcd;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    private EtcdEngine? _etcd;

    /// <summary>The node's simulated etcd (data on EPHEMERAL, membership over the peer port); created on first use.</summary>
    public EtcdEngine Etcd => LazyInitializer.EnsureInitialized(ref _etcd, () => new EtcdEngine(this, _o.EtcdIds));
}
