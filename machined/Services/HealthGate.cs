namespace Talos.Machined.Services;

/// <summary>One check of the health gate and its outcome (recorded as a health-check event).</summary>
/// <param name="Check">What was checked, e.g. "service kubelet".</param>
/// <param name="Passed">Outcome.</param>
/// <param name="Detail">Why (state and health message).</param>
public sealed record HealthCheckOutcome(string Check, bool Passed, string Detail);

/// <summary>The gate's verdict with its evidence.</summary>
/// <param name="Passed">All required services running and healthy within the deadline.</param>
/// <param name="Checks">Per-service outcome at the moment of the verdict.</param>
/// <param name="Reason">Why it failed: "service failed", "deadline exceeded".</param>
public sealed record HealthVerdict(bool Passed, IReadOnlyList<HealthCheckOutcome> Checks, string Reason);

/// <summary>
/// After a trial boot: waits until every required service is Running and healthy (pass), a required service
/// Failed (fail at once), or the deadline passes (fail). Time comes from the injected <see cref="TimeProvider"/>,
/// so simulations run it on a virtual clock.
/// </summary>
public static class HealthGate
{
    /// <summary>Evaluates the gate.</summary>
    public static async Task<HealthVerdict> EvaluateAsync(ServiceSupervisor services, TimeSpan deadline, TimeProvider time, CancellationToken ct)
    {
        var until = time.GetUtcNow() + deadline;
        while (true)
        {
            var checks = Check(services);
            if (checks.All(c => c.Passed)) return new HealthVerdict(true, checks, "");
            var failed = services.Required.Select(services.Find).Where(u => u?.State == ServiceState.Failed).ToList();
            if (failed.Count > 0) return new HealthVerdict(false, checks, $"service {failed[0]!.Id} failed");
            var now = time.GetUtcNow();
            if (now >= until) return new HealthVerdict(false, checks, $"health checks not passing after {deadline.TotalSeconds:0.#}s (deadline exceeded)");
            var step = TimeSpan.FromMilliseconds(Math.Min(100, (until - now).TotalMilliseconds));
            await Task.Delay(step, time, ct);
        }
    }

    /// <summary>The checks as they stand now.</summary>
    public static IReadOnlyList<HealthCheckOutcome> Check(ServiceSupervisor services) =>
        services.Required.Select(id =>
        {
            var s = services.Find(id)?.Snapshot();
            if (s is null) return new HealthCheckOutcome($"service {id}", false, "not registered");
            var ok = s.State == ServiceState.Running && s.Healthy;
            var detail = s.State != ServiceState.Running ? $"state {s.State}" : s.Healthy ? "running, healthy" : $"running, unhealthy: {s.LastHealthMessage}";
            return new HealthCheckOutcome($"service {id}", ok, detail);
        }).ToList();
}
