namespace Talos.Machined.Services;

/// <summary>
/// Runs the node's simulated service units (see <see cref="ServiceProfiles"/>) in dependency order, with upstream's
/// states and messages. The profile of the booted image decides how each unit behaves.
/// </summary>
public sealed class ServiceSupervisor
{
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ServiceUnit> _units = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Registers the units of a control-plane or worker node.</summary>
    public ServiceSupervisor(TimeProvider time, bool controlPlane, string profile)
    {
        if (!ServiceProfiles.All.Contains(profile))
            throw new ArgumentException($"unknown service profile \"{profile}\" (known: {string.Join(", ", ServiceProfiles.All)})", nameof(profile));
        _time = time;
        Profile = profile;
        ControlPlane = controlPlane;
        Add("machined");
        Add("apid", "machined");
        Add("containerd", "machined");
        Add("kubelet", "containerd");
        if (controlPlane)
        {
            Add("trustd", "containerd");
            Add("etcd", "containerd");
        }
    }

    /// <summary>The booted image's profile.</summary>
    public string Profile { get; }

    /// <summary>Whether etcd and trustd run here.</summary>
    public bool ControlPlane { get; }

    /// <summary>The units in registration (dependency) order.</summary>
    public IReadOnlyList<ServiceUnit> Units { get { lock (_gate) return _units.Values.ToList(); } }

    /// <summary>The services the health gate requires (upstream's readiness: apid, machined, kubelet; + etcd, trustd on control planes).</summary>
    public IReadOnlyList<string> Required => ControlPlane ? ["apid", "machined", "kubelet", "etcd", "trustd"] : ["apid", "machined", "kubelet"];

    /// <summary>A unit by id, or null.</summary>
    public ServiceUnit? Find(string id) { lock (_gate) return _units.GetValueOrDefault(id); }

    /// <summary>Starts every unit in dependency order, as the image's profile dictates.</summary>
    public void StartAll()
    {
        foreach (var u in Units) Start(u.Id);
    }

    /// <summary>Starts one unit (also the API's ServiceStart). Returns false when the id is unknown.</summary>
    public bool Start(string id)
    {
        var u = Find(id);
        if (u is null) return false;
        if (u.State is ServiceState.Running) return true;
        var missing = u.DependsOn.Where(d => Find(d)?.State is not ServiceState.Running).ToList();
        if (missing.Count > 0)
        {
            u.Transition(ServiceState.Waiting, $"Waiting for service {string.Join(", ", missing.Select(m => $"\"{m}\" to be \"up\""))}");
            return true;
        }
        u.Transition(ServiceState.Preparing, "Running pre state");
        if (Profile == ServiceProfiles.BootHangs) return true;   // never gets further: the health deadline catches it
        if (Profile == ServiceProfiles.MachinedFailsAtBoot && id == "machined")
        {
            u.Transition(ServiceState.Failed, "Failed to run service: panic: runtime error: invalid memory address or nil pointer dereference");
            return true;
        }
        u.Transition(ServiceState.Preparing, "Creating service runner");
        // Kubernetes components name their (simulated) container image, so `services` shows the running version.
        u.Transition(ServiceState.Running, u.Image.Length == 0 ? "Started task " + id : $"Started task {id} (simulated) for container {u.Image}");
        if (Profile == ServiceProfiles.KubeletNeverHealthy && id == "kubelet")
            u.SetHealth(false, "node not ready: container runtime network not ready: NetworkReady=false");
        else
            u.SetHealth(true, "");
        // Dependents waiting for this unit can go on now.
        foreach (var w in Units.Where(x => x.State == ServiceState.Waiting && x.DependsOn.Contains(id))) Start(w.Id);
        return true;
    }

    /// <summary>Stops one unit (API ServiceStop). Returns false when the id is unknown.</summary>
    public bool Stop(string id)
    {
        var u = Find(id);
        if (u is null) return false;
        if (u.State is ServiceState.Finished or ServiceState.Initialized) return true;
        u.Transition(ServiceState.Stopping, "Stopping service");
        u.Transition(ServiceState.Finished, "Service finished successfully");
        return true;
    }

    /// <summary>Stops every unit in reverse order (shutdown, reboot, upgrade).</summary>
    public void StopAll()
    {
        foreach (var u in Units.AsEnumerable().Reverse()) Stop(u.Id);
    }

    /// <summary>A snapshot of every unit.</summary>
    public IReadOnlyList<ServiceSnapshot> List() => Units.Select(u => u.Snapshot()).ToList();

    internal void Add(string id, params string[] deps)
    {
        lock (_gate) _units[id] = new ServiceUnit(id, deps, _time);
    }
}
