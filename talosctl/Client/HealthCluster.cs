using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Machine;

namespace Talos.Ctl.Client;

/// <summary>
/// The nodes <c>talosctl health</c> checks and their roles. With <c>--control-plane-nodes</c>/<c>--worker-nodes</c> the
/// roles are given (upstream's client-side ClusterInfo); otherwise a node is a control plane when it registers etcd
/// (ServiceList), learned on the first answer and kept, so an unreachable node stays "unknown" and fails the check that
/// needs it until it answers.
/// </summary>
public sealed class HealthCluster
{
    private readonly Dictionary<IMachineClient, bool> _controlPlane = [];

    /// <summary>Nodes with roles given (null: discovered from ServiceList).</summary>
    public HealthCluster(IReadOnlyList<IMachineClient> nodes, IReadOnlySet<string>? controlPlanes)
    {
        Nodes = nodes;
        if (controlPlanes is not null)
            foreach (var n in nodes) _controlPlane[n] = controlPlanes.Contains(n.Node);
    }

    /// <summary>Every node, in the order given.</summary>
    public IReadOnlyList<IMachineClient> Nodes { get; }

    /// <summary>Time each RPC of a check may take (the whole run is bounded by --wait-timeout).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The control-plane nodes; <paramref name="errors"/> gets one line per node whose role is not known yet.</summary>
    public async Task<IReadOnlyList<IMachineClient>> ControlPlanesAsync(List<string> errors, CancellationToken ct)
    {
        foreach (var n in Nodes.Where(n => !_controlPlane.ContainsKey(n)))
        {
            var services = await OnNode(n, errors, async () => await ServicesAsync(n, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            if (services is not null) _controlPlane[n] = services.Any(s => s.Id == "etcd");
        }
        return Nodes.Where(n => _controlPlane.GetValueOrDefault(n)).ToList();
    }

    /// <summary>True when every node's role is known (a check with no control plane may then be skipped).</summary>
    public bool RolesKnown => Nodes.All(_controlPlane.ContainsKey);

    /// <summary>The node's services.</summary>
    public static async Task<List<ServiceInfo>> ServicesAsync(IMachineClient c, CancellationToken ct) =>
        (await c.Machine.ServiceListAsync(new Empty(), c.Call(ct, CallTimeout)).ConfigureAwait(false)).Messages.SelectMany(m => m.Services).ToList();

    /// <summary>
    /// Runs <paramref name="call"/> against one node: an RPC failure becomes one line in <paramref name="errors"/> (and
    /// null) unless the run itself was cancelled (then it propagates: the deadline or Ctrl+C ends the check).
    /// </summary>
    public static async Task<T?> OnNode<T>(IMachineClient c, List<string> errors, Func<Task<T>> call, CancellationToken ct) where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            errors.Add(RpcErrors.Describe(e, c.Node, c.Insecure));
            return null;
        }
    }
}
