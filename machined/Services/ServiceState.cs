namespace Talos.Machined.Services;

/// <summary>Upstream's service states (machined's <c>events.ServiceState</c>), printed as upstream prints them.</summary>
public enum ServiceState
{
    /// <summary>Registered, not started.</summary>
    Initialized,
    /// <summary>Waiting for its dependencies.</summary>
    Waiting,
    /// <summary>Preparing (pre-start checks, mounts).</summary>
    Preparing,
    /// <summary>Starting the process.</summary>
    Starting,
    /// <summary>Running (health is separate).</summary>
    Running,
    /// <summary>Being stopped.</summary>
    Stopping,
    /// <summary>Exited cleanly / stopped.</summary>
    Finished,
    /// <summary>Exited with an error.</summary>
    Failed,
    /// <summary>Not needed on this node.</summary>
    Skipped,
}

/// <summary>
/// The fault-injection profile of an installer image (its config blob names it). The services are SIMULATED:
/// this project runs in user space, so apid, trustd, containerd, kubelet and etcd are units with a real lifecycle,
/// health, logs and events whose behaviour comes from this profile — which is how tests and demos exercise
/// health-gated rollback.
/// </summary>
public static class ServiceProfiles
{
    /// <summary>Every service starts and becomes healthy.</summary>
    public const string Healthy = "healthy";
    /// <summary>kubelet runs but never passes its health check.</summary>
    public const string KubeletNeverHealthy = "kubelet-never-healthy";
    /// <summary>machined fails right after boot.</summary>
    public const string MachinedFailsAtBoot = "machined-fails-at-boot";
    /// <summary>Services never get past Preparing: the boot hangs until the health deadline.</summary>
    public const string BootHangs = "boot-hangs";
    /// <summary>The kernel panics before machined starts: no service ever runs.</summary>
    public const string PanicBeforeMachined = "panic-before-machined";

    /// <summary>All known profiles.</summary>
    public static IReadOnlyList<string> All { get; } = [Healthy, KubeletNeverHealthy, MachinedFailsAtBoot, BootHangs, PanicBeforeMachined];
}
