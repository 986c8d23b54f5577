using Talos.Core.Config;
using Talos.Core.Kubernetes;
using Talos.Machined.Services;

namespace Talos.Machined.Kubernetes;

/// <summary>One unit a config change restarted, with the states it went through (journaled in order).</summary>
/// <param name="Id">Unit id.</param>
/// <param name="From">Image before.</param>
/// <param name="To">Image after.</param>
/// <param name="Steps">The states the restart went through, in order.</param>
public sealed record KubernetesRestart(string Id, string From, string To, IReadOnlyList<KubernetesStep> Steps);

/// <summary>One state a restarted unit went through.</summary>
/// <param name="State">The state.</param>
/// <param name="Message">The service event's message.</param>
/// <param name="Healthy">Health when the state was left (or now).</param>
public sealed record KubernetesStep(ServiceState State, string Message, bool Healthy);

/// <summary>
/// The SIMULATED Kubernetes components of a node (issue #12): kube-apiserver, kube-controller-manager and
/// kube-scheduler on control planes, kube-proxy and kubelet everywhere. They are service units like the others
/// (state, health, logs, events, the image's fault profile); what makes them Kubernetes is only their image, read
/// from the machine config, whose tag is the version they report. No container or Kubernetes API runs.
/// </summary>
public static class KubernetesUnits
{
    /// <summary>
    /// Registers the control-plane units (after the system units, so they start last) and sets every component's
    /// image from <paramref name="config"/>. kubelet itself is a system unit already; the static pods and kube-proxy
    /// need it running, as upstream's kubelet runs them.
    /// </summary>
    public static void Register(ServiceSupervisor services, MachineConfig? config)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (config is null) return;
        foreach (var c in KubeComponent.For(config))
        {
            if (services.Find(c.Id) is null) services.Add(c.Id, DependsOn(services, c));
            services.Find(c.Id)!.Image = c.EffectiveImage(config);
        }
    }

    /// <summary>
    /// What a unit waits for: the scheduler and controller manager need kube-apiserver; kube-apiserver needs the
    /// kubelet (it is a static pod) and, on control planes, etcd (as upstream, where it cannot serve without its
    /// storage). etcd's unit is Running from boot, before bootstrap, so the boot health gate is unaffected.
    /// </summary>
    internal static string[] DependsOn(ServiceSupervisor services, KubeComponent c) =>
        c == KubeComponent.Scheduler || c == KubeComponent.ControllerManager ? ["kube-apiserver"]
        : c == KubeComponent.ApiServer && services.Find("etcd") is not null ? ["kubelet", "etcd"]
        : ["kubelet"];

    /// <summary>
    /// Brings the running units to the images of <paramref name="config"/>: each unit whose image changed is
    /// stopped and started again with the new image (upstream: the kubelet restarts, or the static pod is
    /// replaced). Units already at their image are left alone, so re-applying a config restarts nothing; a unit an
    /// operator stopped only gets its new image and stays stopped until started (upgrade-k8s then reports it unhealthy).
    /// Returns what each restart went through, in order, for the node's log.
    /// </summary>
    public static IReadOnlyList<KubernetesRestart> Reconcile(ServiceSupervisor services, MachineConfig config, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(time);
        var restarted = new List<KubernetesRestart>();
        foreach (var c in KubeComponent.For(config))
        {
            var unit = services.Find(c.Id);
            var image = c.EffectiveImage(config);
            if (unit is null || unit.Image == image) continue;
            var old = unit.Image;
            var steps = new List<KubernetesStep>();
            void Record(ServiceUnit u)
            {
                var s = u.Snapshot();
                var message = s.Events.Count == 0 ? "" : s.Events[^1].Message;
                // SetHealth raises Changed without a new event: it updates the health of the step just recorded.
                if (steps.Count > 0 && steps[^1].State == s.State && steps[^1].Message == message) steps[^1] = steps[^1] with { Healthy = s.Healthy };
                else steps.Add(new KubernetesStep(s.State, message, s.Healthy));
            }
            unit.Changed += Record;
            try
            {
                var wasRunning = unit.State == ServiceState.Running;
                if (wasRunning) services.Stop(c.Id);
                unit.Image = image;
                unit.Logs.Append(time.GetUtcNow(), $"[talos] service[{c.Id}]: image {old} -> {image}");
                if (wasRunning) services.Start(c.Id);
            }
            finally { unit.Changed -= Record; }
            restarted.Add(new KubernetesRestart(c.Id, old, image, steps));
        }
        return restarted;
    }
}
