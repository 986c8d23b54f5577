using Talos.Core.Time;
using Talos.Machined.Services;

namespace Talos.Simulation.Tests;

/// <summary>
/// Slow health checks (issue #11 fault): the kubelet's health result of a boot arrives late on the virtual clock. The
/// real result is held back and delivered after a seed-chosen delay: within the health deadline the trial boot is
/// confirmed late (the gate polls and waits), past it the gate gives up ("deadline exceeded") and the node rolls back,
/// even from a good image. Either way every invariant must still hold. Only a healthy result is delayed: a faulty
/// image never gets a health it did not earn.
/// </summary>
public sealed class SlowHealth(SimRng rng, TimeSpan deadline)
{
    /// <summary>The health message while a result is held back (the gate records it in its failed check's detail).</summary>
    public const string Pending = "health check result pending (slow health checks fault)";

    /// <summary>Results held back so far.</summary>
    public long Delayed { get; private set; }

    /// <summary>Results held back past the health deadline.</summary>
    public long PastDeadline { get; private set; }

    /// <summary>Health gates that gave up at the deadline on a held-back result (seen in the recorded health-check events).</summary>
    public long GateGaveUp { get; set; }

    /// <summary>Turned off for the fault-free liveness phase.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Hooks the kubelet unit of a boot's <paramref name="services"/>; timers run on <paramref name="clock"/> (the runtime's).</summary>
    public void Attach(ServiceSupervisor services, VirtualTimeProvider clock)
    {
        if (!Enabled || services.Find("kubelet") is not { } kubelet) return;
        // Half of the boots get a delay: three quarters of those within the deadline, the rest past it.
        if (!rng.Chance(0.5)) return;
        var late = rng.Chance(0.25);
        var delay = late ? deadline + TimeSpan.FromMilliseconds(500) : TimeSpan.FromMilliseconds(200 + 100 * rng.Below(15));
        var held = false;
        var released = false;
        kubelet.Changed += u =>
        {
            if (held || released || u.Healthy != true) return;
            held = true;
            Delayed++;
            if (late) PastDeadline++;
            u.SetHealth(false, Pending);
            clock.CreateTimer(_ =>
            {
                released = true;
                // Delivered only to the unit still running with the held-back result (a stop in between discards it).
                if (u.State == ServiceState.Running && u.LastHealthMessage == Pending) u.SetHealth(true, "");
            }, null, delay, Timeout.InfiniteTimeSpan);
        };
    }
}
