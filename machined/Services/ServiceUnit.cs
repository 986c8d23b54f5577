namespace Talos.Machined.Services;

/// <summary>One service event (upstream keeps at most 64 per service).</summary>
/// <param name="Message">What happened.</param>
/// <param name="State">State after it.</param>
/// <param name="Time">When.</param>
public sealed record ServiceEvent(string Message, ServiceState State, DateTimeOffset Time);

/// <summary>A point-in-time copy of a unit, for the API and the health gate.</summary>
public sealed record ServiceSnapshot(
    string Id, ServiceState State, bool HealthUnknown, bool Healthy, string LastHealthMessage, DateTimeOffset LastHealthChange,
    IReadOnlyList<ServiceEvent> Events);

/// <summary>
/// A simulated service unit (see <see cref="ServiceProfiles"/>): state, health, a bounded event list and a log
/// ring. Thread-safe: the supervisor and API readers may touch it concurrently.
/// </summary>
public sealed class ServiceUnit
{
    private const int MaxEvents = 64;
    private readonly object _gate = new();
    private readonly List<ServiceEvent> _events = new();
    private readonly TimeProvider _time;

    /// <summary>Creates a unit.</summary>
    public ServiceUnit(string id, IReadOnlyList<string> dependsOn, TimeProvider time, int logLines = 1000)
    {
        Id = id;
        DependsOn = dependsOn;
        _time = time;
        Logs = new LogRing(logLines);
        LastHealthChange = time.GetUtcNow();
    }

    /// <summary>Service id (apid, trustd, machined, containerd, kubelet, etcd, ...).</summary>
    public string Id { get; }

    /// <summary>Services that must be Running before this one starts.</summary>
    public IReadOnlyList<string> DependsOn { get; }

    /// <summary>The log ring (what <c>talosctl logs</c> reads).</summary>
    public LogRing Logs { get; }

    /// <summary>
    /// The container image a simulated Kubernetes component runs ("" for system services); its tag is the version
    /// (issue #12). Set by <c>KubernetesUnits</c> before a (re)start.
    /// </summary>
    public string Image { get; set; } = "";

    /// <summary>Current state.</summary>
    public ServiceState State { get; private set; } = ServiceState.Initialized;

    /// <summary>Health: null = unknown.</summary>
    public bool? Healthy { get; private set; }

    /// <summary>Last health message.</summary>
    public string LastHealthMessage { get; private set; } = "";

    /// <summary>When health last changed.</summary>
    public DateTimeOffset LastHealthChange { get; private set; }

    /// <summary>Raised after every state or health change.</summary>
    public event Action<ServiceUnit>? Changed;

    /// <summary>Moves to <paramref name="state"/>, recording an event and a log line as upstream prints them.</summary>
    public void Transition(ServiceState state, string message)
    {
        lock (_gate)
        {
            State = state;
            _events.Add(new ServiceEvent(message, state, _time.GetUtcNow()));
            if (_events.Count > MaxEvents) _events.RemoveAt(0);
            if (state is not ServiceState.Running) { Healthy = null; }
        }
        Logs.Append(_time.GetUtcNow(), $"[talos] service[{Id}]({state}): {message}");
        Changed?.Invoke(this);
    }

    /// <summary>Sets the health result (only changes are recorded, as upstream).</summary>
    public void SetHealth(bool healthy, string message)
    {
        bool changed;
        lock (_gate)
        {
            changed = Healthy != healthy || LastHealthMessage != message;
            Healthy = healthy;
            LastHealthMessage = message;
            if (changed) LastHealthChange = _time.GetUtcNow();
        }
        if (!changed) return;
        Logs.Append(_time.GetUtcNow(), healthy
            ? $"[talos] service[{Id}]({State}): Health check successful"
            : $"[talos] service[{Id}]({State}): Health check failed: {message}");
        Changed?.Invoke(this);
    }

    /// <summary>A consistent copy.</summary>
    public ServiceSnapshot Snapshot()
    {
        lock (_gate)
            return new ServiceSnapshot(Id, State, Healthy is null, Healthy == true, LastHealthMessage, LastHealthChange, _events.ToList());
    }
}
