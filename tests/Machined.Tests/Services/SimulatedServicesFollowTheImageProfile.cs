using Talos.Core.Time;
using Talos.Machined.Services;

namespace Talos.Machined.Tests.Services;

public sealed class SimulatedServicesFollowTheImageProfile
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<HealthVerdict> Gate(string profile, bool controlPlane, TimeSpan deadline)
    {
        var time = new VirtualTimeProvider(T0);
        var s = new ServiceSupervisor(time, controlPlane, profile);
        s.StartAll();
        var verdict = HealthGate.EvaluateAsync(s, deadline, time, CancellationToken.None);
        // Drive the virtual clock until the gate decides (bounded: the deadline plus slack).
        for (var i = 0; i < 10_000 && !verdict.IsCompleted; i++)
        {
            if (time.ArmedTimers > 0) time.Advance(TimeSpan.FromMilliseconds(100));
            else await Task.Yield();
        }
        Assert.True(verdict.IsCompleted, "the gate did not decide");
        return await verdict;
    }

    [Fact]
    public async Task A_healthy_image_passes_the_gate_on_a_control_plane_with_every_required_service()
    {
        var v = await Gate(ServiceProfiles.Healthy, controlPlane: true, TimeSpan.FromSeconds(30));
        Assert.True(v.Passed);
        Assert.Equal(new[] { "service apid", "service machined", "service kubelet", "service etcd", "service trustd" }, v.Checks.Select(c => c.Check));
    }

    [Fact]
    public async Task Kubelet_never_healthy_fails_at_the_deadline_with_the_kubelet_check_as_evidence()
    {
        var v = await Gate(ServiceProfiles.KubeletNeverHealthy, controlPlane: false, TimeSpan.FromSeconds(5));
        Assert.False(v.Passed);
        Assert.Contains("deadline exceeded", v.Reason);
        var failed = Assert.Single(v.Checks, c => !c.Passed);
        Assert.Equal("service kubelet", failed.Check);
        Assert.Contains("node not ready", failed.Detail);
    }

    [Fact]
    public async Task Machined_failing_at_boot_fails_the_gate_at_once_and_leaves_dependents_waiting()
    {
        var time = new VirtualTimeProvider(T0);
        var s = new ServiceSupervisor(time, false, ServiceProfiles.MachinedFailsAtBoot);
        s.StartAll();
        var v = await HealthGate.EvaluateAsync(s, TimeSpan.FromMinutes(5), time, CancellationToken.None);
        Assert.False(v.Passed);
        Assert.Equal("service machined failed", v.Reason);
        Assert.Equal(ServiceState.Waiting, s.Find("apid")!.State);
        Assert.Equal(T0, time.GetUtcNow());   // decided without waiting for the deadline
    }

    [Fact]
    public async Task A_hanging_boot_is_caught_by_the_deadline()
    {
        var v = await Gate(ServiceProfiles.BootHangs, controlPlane: true, TimeSpan.FromSeconds(3));
        Assert.False(v.Passed);
        Assert.All(v.Checks, c => Assert.False(c.Passed));
    }

    [Fact]
    public void Service_events_and_logs_use_upstream_wording_and_an_unknown_profile_is_refused()
    {
        var time = new VirtualTimeProvider(T0);
        var s = new ServiceSupervisor(time, false, ServiceProfiles.Healthy);
        s.StartAll();
        var kubelet = s.Find("kubelet")!.Snapshot();
        Assert.Equal(ServiceState.Running, kubelet.State);
        Assert.Contains(kubelet.Events, e => e.Message == "Started task kubelet");
        Assert.Contains(s.Find("kubelet")!.Logs.Tail(-1), l => l.EndsWith("[talos] service[kubelet](Running): Health check successful"));
        Assert.True(s.Stop("kubelet"));
        Assert.Equal(ServiceState.Finished, s.Find("kubelet")!.State);
        Assert.False(s.Start("nope"));
        Assert.Throws<ArgumentException>(() => new ServiceSupervisor(time, false, "sometimes-healthy"));
    }

    [Fact]
    public async Task A_log_follower_sees_the_tail_then_new_lines_and_is_told_about_an_overrun()
    {
        var ring = new LogRing(3);
        for (var i = 0; i < 5; i++) ring.Append(T0, $"line {i}");
        Assert.Equal(new[] { "line 3", "line 4" }, ring.Tail(2).Select(l => l[(l.IndexOf(' ') + 1)..]));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        var follow = Task.Run(async () =>
        {
            await foreach (var l in ring.FollowAsync(1, cts.Token)) { seen.Add(l); if (seen.Count == 3) break; }
        });
        while (seen.Count < 1) await Task.Delay(5);
        ring.Append(T0, "line 5");
        ring.Append(T0, "line 6");
        await follow;
        Assert.EndsWith("line 4", seen[0]);
        Assert.Contains(seen.Skip(1), l => l.EndsWith("line 5") || l.EndsWith("line 6"));
    }
}
