using Talos.Api.Events;
using Talos.Core.State;
using Talos.Machined.Services;
using Talos.Partitions.Meta;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

internal sealed partial class NodeTasks
{
    private void AddServiceTasks()
    {
        Add("startAllServices", async (c, ct) =>
        {
            var booted = _node.Booted ?? throw new InvalidOperationException("startAllServices: no image is booted");
            var s = new ServiceSupervisor(_node.Options.Time, _node.IsControlPlane, booted.Profile);
            Kubernetes.KubernetesUnits.Register(s, _node.Config);   // simulated Kubernetes components (issue #12)
            _node.AttachServices(s);
            _node.Options.ServicesCreated?.Invoke(s);
            s.StartAll();
            var changes = s.List().Select(x => Core.Events.NodeEvents.Create(0, _node.Options.Time, c.ActorId, c.SequenceId, e =>
                e.ServiceStateChanged = new ServiceStateChanged
                {
                    Service = x.Id, State = (Talos.Api.Events.ServiceState)(int)Map(x.State), Healthy = x.Healthy,
                    Message = x.Events.Count == 0 ? "" : x.Events[^1].Message,
                })).ToList();
            await _node.Journal.AppendAsync(changes, ct);
            return TaskOutcome.Continue;
        });
        foreach (var name in new[] { "stopAllServices", "stopServicesEphemeral", "denyNewServices" })
            Add(name, (c, _) =>
            {
                _node.Services?.StopAll();
                _node.Kernel.Talos($"task {c.Task}: services stopped");
                return Ok;
            });
        // Graceful reset of a control plane: a member leaves through the leader (real peer RPCs); idempotent, a node
        // that holds no etcd data (never joined, or already left before a crash) has nothing to do.
        Add("leaveEtcd", async (c, ct) =>
        {
            if (_node.Etcd.Self(_node.Etcd.Local()) is null) { _node.Kernel.Talos("task leaveEtcd: not an etcd member, nothing to leave"); return TaskOutcome.Continue; }
            await _node.Etcd.LeaveAsync(ct);
            return TaskOutcome.Continue;
        });
        Add("reloadMeta", (c, _) =>
        {
            // A real check: the in-memory state must equal the fold of what is on META (invariant 6).
            if (_node.Journal.Log is { } log)
            {
                var folded = NodeJournal.Fold(log);
                if (folded.Hash != _node.State.Hash)
                    throw new InvalidOperationException($"reloadMeta: the fold of META ({folded.Hash[..12]}) differs from the node's state ({_node.State.Hash[..12]})");
            }
            return Ok;
        });
        Add("flushMeta", (_, _) => { _node.Options.Disk.Flush(); return Ok; });
    }

    /// <summary>Our service states in upstream's numbering (events.proto ServiceState).</summary>
    private static int Map(Services.ServiceState s) => s switch
    {
        Services.ServiceState.Initialized => 0,
        Services.ServiceState.Preparing => 1,
        Services.ServiceState.Waiting => 2,
        Services.ServiceState.Running => 3,
        Services.ServiceState.Stopping => 4,
        Services.ServiceState.Finished => 5,
        Services.ServiceState.Failed => 6,
        Services.ServiceState.Skipped => 7,
        _ => 8,
    };
}
