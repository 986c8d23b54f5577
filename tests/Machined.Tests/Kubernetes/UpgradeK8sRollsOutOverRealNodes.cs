using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Tests.Api;

namespace Talos.Machined.Tests.Kubernetes;

/// <summary>
/// talosctl upgrade-k8s against two real control-plane nodes over mutual TLS: the skew rules refuse before anything
/// changes, a dry run changes nothing, and a rollout stopped by an unreachable node is finished by a second run,
/// with every config change and unit restart in the nodes' META logs. Only one test here changes versions.
/// </summary>
[Collection(TwoControlPlanes.Collection)]
public sealed class UpgradeK8sRollsOutOverRealNodes(TwoControlPlanes fx)
{
    private const string Cp1 = "127.0.103.2";
    private const string Cp2 = "127.0.103.3";

    private static string Line(string node, string text) => $" > \"{node}\": {text}\n";

    [Fact]
    public async Task A_skipped_minor_is_refused_and_a_dry_run_changes_nothing()
    {
        var before = (fx.Cp1.Node.State.LastSequence, fx.Cp2.Node.State.LastSequence);
        var (rc, _, err) = await fx.Talosctl(null, "upgrade-k8s", "--to", "1.33.0");
        Assert.Equal(1, rc);
        Assert.Contains("unsupported upgrade path 1.3", err, StringComparison.Ordinal);
        Assert.Contains("Kubernetes upgrades one minor version at a time", err, StringComparison.Ordinal);
        Assert.Contains("; nothing was changed", err, StringComparison.Ordinal);
        var (drc, dout, derr) = await fx.Talosctl(null, "upgrade-k8s", "--to", "1.31.0", "--dry-run");
        Assert.True(drc == 0, derr);
        Assert.Contains("updating \"kube-apiserver\" to version \"1.31.0\"\n", dout, StringComparison.Ordinal);
        Assert.Contains("steps would change a node; nothing was changed", dout, StringComparison.Ordinal);
        Assert.DoesNotContain("machine configuration patched", dout, StringComparison.Ordinal);
        Assert.Equal(before, (fx.Cp1.Node.State.LastSequence, fx.Cp2.Node.State.LastSequence));
    }

    [Fact]
    public async Task A_rollout_stopped_by_an_unreachable_node_is_finished_by_a_second_run()
    {
        Assert.Equal("registry.k8s.io/kube-apiserver:v1.30.3", fx.Cp1.Node.Services!.Find("kube-apiserver")!.Image);
        var since = fx.Cp1.Node.State.LastSequence;
        var inControllerManager = false;
        var (rc, output, err) = await fx.Talosctl(line =>
        {
            if (line == "updating \"kube-controller-manager\" to version \"1.31.0\"") inControllerManager = true;
            // Node 2 drops off the network just as its controller-manager step begins.
            else if (inControllerManager && line == $" > \"{Cp2}\": starting update") { inControllerManager = false; fx.PartitionCp2(); }
        }, "upgrade-k8s", "--to", "1.31.0", "--health-timeout", "20s");
        Assert.Equal(1, rc);
        Assert.StartsWith("automatically detected the lowest Kubernetes version 1.30.3\n" +
            $"discovered controlplane nodes [\"{Cp1}\" \"{Cp2}\"]\n" +
            "updating \"kube-apiserver\" to version \"1.31.0\"\n" +
            Line(Cp1, "starting update") + Line(Cp1, "update kube-apiserver: v1.30.3 -> v1.31.0") + Line(Cp1, "machine configuration patched") +
            Line(Cp1, "waiting for kube-apiserver to be healthy") + Line(Cp1, "kube-apiserver: running \"registry.k8s.io/kube-apiserver:v1.31.0\", healthy") +
            Line(Cp2, "starting update"), output, StringComparison.Ordinal);
        Assert.True(err.Contains($"error: upgrade-k8s stopped at kube-controller-manager on \"{Cp2}\": could not read the machine config: 127.0.103.3: node unreachable", StringComparison.Ordinal), err);
        Assert.Contains("  done: 3 of 10 steps; remaining: kube-controller-manager on \"127.0.103.3\", kube-scheduler on \"127.0.103.2\"", err, StringComparison.Ordinal);
        Assert.Contains("run the same command again", err, StringComparison.Ordinal);
        Assert.Equal("registry.k8s.io/kube-controller-manager:v1.31.0", fx.Cp1.Node.Services!.Find("kube-controller-manager")!.Image);
        Assert.Equal("registry.k8s.io/kube-controller-manager:v1.30.3", fx.Cp2.Node.Services!.Find("kube-controller-manager")!.Image);

        await fx.HealCp2Async();
        var (rc2, out2, err2) = await fx.Talosctl(null, "upgrade-k8s", "--to", "1.31.0");
        Assert.True(rc2 == 0, err2 + out2);
        Assert.Contains(Line(Cp1, "kube-apiserver is already at version \"v1.31.0\""), out2, StringComparison.Ordinal);
        Assert.Contains(Line(Cp2, "update kube-controller-manager: v1.30.3 -> v1.31.0"), out2, StringComparison.Ordinal);
        Assert.Contains("updating \"kubelet\" to version \"1.31.0\"\n", out2, StringComparison.Ordinal);
        Assert.EndsWith("kubernetes components are at version \"1.31.0\"\n", out2, StringComparison.Ordinal);
        foreach (var h in new[] { fx.Cp1, fx.Cp2 })
            foreach (var id in new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet" })
                Assert.EndsWith(":v1.31.0", h.Node.Services!.Find(id)!.Image, StringComparison.Ordinal);
        await EveryStepIsInTheEventsOfCp1(since);
        await ServicesAndGetShowTheVersions();
        await A_unit_that_never_becomes_healthy_stops_the_rollout_until_it_runs_again();
    }

    /// <summary>An operator stopped kube-scheduler on node 1: its step times out; once it is started, a rerun finishes.</summary>
    private async Task A_unit_that_never_becomes_healthy_stops_the_rollout_until_it_runs_again()
    {
        var (src, _, serr) = await fx.Talosctl(null, "-n", Cp1Dial(), "service", "kube-scheduler", "stop");
        Assert.True(src == 0, serr);
        var (rc, output, err) = await fx.Talosctl(null, "upgrade-k8s", "--to", "1.31.1", "--health-timeout", "1s");
        Assert.Equal(1, rc);
        Assert.Contains(Line(Cp1, "waiting for kube-scheduler to be healthy"), output, StringComparison.Ordinal);
        Assert.Contains($"error: upgrade-k8s stopped at kube-scheduler on \"{Cp1}\": kube-scheduler did not become healthy at \"registry.k8s.io/kube-scheduler:v1.31.1\" within 1s (state Finished, image \"registry.k8s.io/kube-scheduler:v1.31.1\", not healthy)", err, StringComparison.Ordinal);
        Assert.Equal(Talos.Machined.Services.ServiceState.Finished, fx.Cp1.Node.Services!.Find("kube-scheduler")!.State);
        var (src2, _, serr2) = await fx.Talosctl(null, "-n", Cp1Dial(), "service", "kube-scheduler", "start");
        Assert.True(src2 == 0, serr2);
        var (rc2, out2, err2) = await fx.Talosctl(null, "upgrade-k8s", "--to", "1.31.1", "--health-timeout", "10s");
        Assert.True(rc2 == 0, err2 + out2);
        Assert.Contains(Line(Cp1, "kube-scheduler is already at version \"v1.31.1\""), out2, StringComparison.Ordinal);
        Assert.Contains(Line(Cp1, "kube-scheduler: running \"registry.k8s.io/kube-scheduler:v1.31.1\", healthy"), out2, StringComparison.Ordinal);
    }

    private async Task EveryStepIsInTheEventsOfCp1(ulong since)
    {
        using var admin = fx.Cp1.As(Roles.Admin);
        var events = (await NodeApiHarness.EventsAsync(admin, new EventsRequest { TailEvents = -1 }, got => got.Count >= (int)fx.Cp1.Node.State.LastSequence))
            .Select(e => (Id: ulong.Parse(e.Id, System.Globalization.CultureInfo.InvariantCulture), Event: e))
            .Where(e => e.Id > since).ToList();
        var applied = events.Select(e => NodeApiHarness.AsNodeEvent(e.Event)?.ConfigApplied).Where(a => a is not null).ToList();
        Assert.Equal(new[] { "cluster.apiServer.image", "cluster.controllerManager.image", "cluster.scheduler.image", "cluster.proxy.image", "machine.kubelet.image" },
            applied.Select(a => Assert.Single(a!.ChangedPaths)));
        var restarts = events.Select(e => e.Event.Data.TypeUrl == "talos/runtime/machine.ServiceStateEvent" ? ServiceStateEvent.Parser.ParseFrom(e.Event.Data.Value) : null)
            .Where(s => s is not null && s.Service == "kube-apiserver").Select(s => $"{s!.Action} {s.Message} {s.Health.Healthy}").ToList();
        Assert.Equal(new[]
        {
            "Stopping Stopping service False",
            "Finished Service finished successfully False",
            "Preparing Running pre state False",
            "Preparing Creating service runner False",
            "Running Started task kube-apiserver (simulated) for container registry.k8s.io/kube-apiserver:v1.31.0 True",
        }, restarts);
    }

    private async Task ServicesAndGetShowTheVersions()
    {
        var (rc, output, err) = await fx.Talosctl(null, "-n", Cp1Dial(), "get", "k8scomponents");
        Assert.True(rc == 0, err);
        Assert.Contains("KubernetesComponent", output, StringComparison.Ordinal);
        Assert.True(5 == output.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @":v1\.31\.0 +1\.31\.0 +Running +true$")), output);
        var (src, services, serr) = await fx.Talosctl(null, "-n", Cp1Dial(), "services");
        Assert.True(src == 0, serr);
        Assert.Contains("Started task kubelet (simulated) for container ghcr.io/siderolabs/kubelet:v1.31.0", services, StringComparison.Ordinal);
    }

    private string Cp1Dial() => $"{Cp1}:{fx.Cp1.Server.EndPoint.Port}";
}
