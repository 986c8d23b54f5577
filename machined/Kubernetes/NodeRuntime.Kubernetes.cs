using Talos.Api.Events;
using Talos.Machined.Api;
using Talos.Machined.Kubernetes;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>
    /// After a config became active without a reboot: restarts the simulated Kubernetes units whose image changed
    /// and appends each state they went through to the META log (ServiceStateChanged, with the operation's actor
    /// id), so <c>talosctl events</c> shows every step of an upgrade-k8s rollout (issue #12).
    /// </summary>
    internal async Task ReconcileKubernetesAsync(string actorId, string sequenceId, CancellationToken ct)
    {
        if (Services is not { } services || Config is not { } config) return;
        var restarts = KubernetesUnits.Reconcile(services, config, _o.Time);
        if (restarts.Count == 0) return;
        var events = restarts.SelectMany(r => r.Steps.Select(s => Core.Events.NodeEvents.Create(0, _o.Time, actorId, sequenceId, e =>
            e.ServiceStateChanged = new ServiceStateChanged
            {
                Service = r.Id, State = NodeMachineService.ToEventState(s.State), Healthy = s.Healthy, Message = s.Message,
            }))).ToList();
        await Journal.AppendAsync(events, ct);
        foreach (var r in restarts) Kernel.Talos($"service {r.Id}: image {r.From} -> {r.To}");
    }
}
