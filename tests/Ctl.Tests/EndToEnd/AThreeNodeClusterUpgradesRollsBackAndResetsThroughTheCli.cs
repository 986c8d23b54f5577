using System.Diagnostics;
using System.Net.Sockets;
using Talos.Ctl.Cluster;
using Talos.Ctl.Config;
using Xunit.Abstractions;

namespace Talos.Ctl.Tests.EndToEnd;

/// <summary>
/// Issue #9's end-to-end story, through the CLI as a user types it, against real machined processes on loopback
/// (127.0.101.2 control plane, .3 and .4 workers that get their API certificate from the control plane's trustd):
/// gen config, cluster create --input-dir, upgrade --wait on all three nodes, a faulty upgrade that rolls back by
/// itself, a refused and an accepted rollback, reset --preserve --wait, the observation commands, and cluster destroy
/// leaving no process and no file behind.
/// </summary>
public sealed class AThreeNodeClusterUpgradesRollsBackAndResetsThroughTheCli(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Cp = "127.0.101.2", W1 = "127.0.101.3", W2 = "127.0.101.4";
    private const string Name = "e2e";
    private static readonly string Tag = Talos.Ctl.Commands.VersionCommand.Tag;
    private readonly string _root = Directory.CreateTempSubdirectory("talosctl-e2e-").FullName;
    private E2eCli _cli = null!;

    private string StateRoot => Path.Combine(_root, "state");
    private string ClusterDir => Path.Combine(StateRoot, Name);
    private static string Next => Tag[..(Tag.LastIndexOf('.') + 1)] + (int.Parse(Tag[(Tag.LastIndexOf('.') + 1)..]) + 1);
    private static string Installer(string tag) => $"ghcr.io/siderolabs/installer:{tag}";

    public Task InitializeAsync()
    {
        _cli = new E2eCli(Path.Combine(_root, "talosconfig"), output);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _cli.CleanUpAsync(Name, StateRoot, _root);

    [Fact]
    public async Task Gen_create_upgrade_faulty_rollback_reset_observe_destroy()
    {
        var total = Stopwatch.StartNew();
        await GenConfigAndCreate();
        await UpgradeEveryNodeAndWait();
        await FaultyUpgradeRollsBackByItself();
        await RollbackIsRefusedToAFailedSlotAndAcceptedToAConfirmedOne();
        await ResetPreserveKeepsTheConfig();
        await ObservationCommandsShowTheHistory();
        await DestroyLeavesNothingBehind();
        output.WriteLine($"end to end: {total.Elapsed.TotalSeconds:0.0}s");
    }

    private async Task GenConfigAndCreate()
    {
        var gen = Path.Combine(_root, "gen");
        // A short health deadline keeps the faulty upgrade quick; healthy boots pass their checks in about a second.
        await _cli.Ok("gen", "config", Name, $"https://{Cp}:6443", "--output-dir", gen,
            "--config-patch", "machine:\n  upgrade:\n    tries: 3\n    healthDeadline: 12s\n");
        Assert.All(new[] { "controlplane.yaml", "worker.yaml", "talosconfig" }, f => Assert.True(File.Exists(Path.Combine(gen, f)), f));

        var create = await _cli.Run(TimeSpan.FromMinutes(3), "cluster", "create", "--name", Name, "--state", StateRoot,
            "--input-dir", gen, "--controlplanes", "1", "--workers", "2", "--cidr", "127.0.101.0/24", "--disk-size", "128MiB",
            "--machined", E2eCli.MachinedDll(), "--wait-timeout", "150");
        Assert.True(create.Rc == 0, create.ToString());
        Assert.Contains($"bootstrapped etcd on {Name}-controlplane-1", create.Out);
        Assert.Contains($"cluster \"{Name}\" is up: 3 node(s)", create.Out);

        var show = await _cli.Ok("cluster", "show", "--name", Name, "--state", StateRoot);
        foreach (var (node, role, ip) in new[] { ($"{Name}-controlplane-1", "controlplane", Cp), ($"{Name}-worker-1", "worker", W1), ($"{Name}-worker-2", "worker", W2) })
            Assert.Matches($@"{node}\s+{role}\s+{ip.Replace(".", @"\.")}\s+\d+\s+yes", show.Out);

        // The workers answer over mutual TLS with a certificate trustd on the control plane signed.
        var health = await _cli.Ok("-n", $"{Cp},{W1},{W2}", "health");
        Assert.Contains("waiting for etcd members to be consistent across nodes: OK\n", health.Out);
        Assert.Contains("waiting for all nodes to boot a confirmed slot: OK\n", health.Out);
        var slots = await _cli.Ok("-n", $"{Cp},{W1},{W2}", "get", "bootslots");
        foreach (var n in new[] { Cp, W1, W2 })
            Assert.Matches($@"{n.Replace(".", @"\.")}\s+runtime\s+BootSlot\s+A\s+\d+\s+{Tag.Replace(".", @"\.")}\s+true\s+true", slots.Out);

        // A stopped kubelet is not healthy (issue 20 item 2): health fails naming it, and passes again once it runs.
        await _cli.Ok("-n", W1, "service", "kubelet", "stop");
        var stopped = await _cli.Run("-n", W1, "health", "--wait-timeout", "3s");
        Assert.True(stopped.Rc == 1, stopped.ToString());
        Assert.Equal($"error: health check \"kubelet to be healthy\" did not pass within 3s: {W1}: service \"kubelet\" not in expected state \"Running\": " +
            "current state [Finished] Service finished successfully\n", stopped.Err);
        await _cli.Ok("-n", W1, "service", "kubelet", "start");
        await _cli.Ok("-n", $"{Cp},{W1},{W2}", "health", "--wait-timeout", "60s");
        Assert.Contains("api: server certificate signed by trustd at " + Cp, File.ReadAllText(Path.Combine(ClusterDir, $"{Name}-worker-1.log")));
    }

    private async Task UpgradeEveryNodeAndWait()
    {
        var up = await _cli.Ok("-n", $"{Cp},{W1},{W2}", "upgrade", "--image", Installer(Next), "--preserve", "--wait", "--timeout", "2m");
        foreach (var n in new[] { Cp, W1, W2 })
            Assert.Contains($"{n}: upgrade confirmed: slot B runs {Next}", up.Out);
        var slots = await _cli.Ok("-n", W2, "get", "bootslots");
        Assert.Matches($@"{W2.Replace(".", @"\.")}\s+runtime\s+BootSlot\s+B\s+\d+\s+{Next.Replace(".", @"\.")}\s+true\s+true", slots.Out);
    }

    private async Task FaultyUpgradeRollsBackByItself()
    {
        var faulty = await _cli.Run("-n", W1, "upgrade", "--image", Installer(Next + "-kubelet-never-healthy"), "--preserve", "--wait", "--timeout", "2m");
        Assert.True(faulty.Rc != 0, faulty.ToString());
        Assert.Matches($@"error: {W1.Replace(".", @"\.")}: upgrade failed: rolled back A -> B: HealthDeadlineExceeded: .*service kubelet", faulty.Err);
        // --wait ends at RolledBack; the node then boots the confirmed slot again.
        var booted = new System.Text.RegularExpressions.Regex($@"{W1.Replace(".", @"\.")}\s+runtime\s+BootSlot\s+B\s+\d+\s+{Next.Replace(".", @"\.")}\s+true\s+true");
        var slots = await _cli.Poll(r => r.Rc == 0 && booted.IsMatch(r.Out), TimeSpan.FromSeconds(60), "-n", W1, "get", "bootslots");
        Assert.Matches($@"BootSlot\s+A\s+\d+\s+{Next.Replace(".", @"\.")}\s+false\s+false", slots.Out);
        // The slot table shows B as soon as the boot is recorded; the node takes requests once it runs again.
        await _cli.Ok("-n", W1, "health", "--wait-timeout", "60s");
    }

    private async Task RollbackIsRefusedToAFailedSlotAndAcceptedToAConfirmedOne()
    {
        // W1's other slot holds the image that failed its health checks: a manual rollback must not boot it.
        var refused = await _cli.Run("-n", W1, "rollback");
        Assert.Equal(1, refused.Rc);
        Assert.Contains($"{W1}: rpc error: code = FailedPrecondition desc = rollback refused: slot A ({Next}) was never confirmed healthy", refused.Err);

        // W2's other slot holds the confirmed previous release: the node reboots into it.
        var accepted = await _cli.Ok("-n", W2, "rollback");
        Assert.Contains($"{W2}: rollback scheduled", accepted.Out);
        // "scheduled": the node still runs B until its reboot, and health passes there too; wait for the boot of A.
        var onA = new System.Text.RegularExpressions.Regex($@"{W2.Replace(".", @"\.")}\s+runtime\s+BootSlot\s+A\s+\d+\s+{Tag.Replace(".", @"\.")}\s+true\s+true");
        await _cli.Poll(r => r.Rc == 0 && onA.IsMatch(r.Out), TimeSpan.FromSeconds(90), "-n", W2, "get", "bootslots");
        await _cli.Ok("-n", W2, "health", "--wait-timeout", "90s");
    }

    private async Task ResetPreserveKeepsTheConfig()
    {
        var reset = await _cli.Ok("-n", W1, "reset", "--preserve", "--reboot", "--wait", "--timeout", "2m");
        Assert.Contains($"{W1}: reset done: reset: wiped [EPHEMERAL], STATE preserved; node booted slot B", reset.Out);
        // STATE kept the config: the node still requires and accepts our client certificate, and is healthy on B.
        await _cli.Ok("-n", W1, "health", "--wait-timeout", "60s");
        Assert.Matches($@"BootSlot\s+B\s+\d+\s+{Next.Replace(".", @"\.")}\s+true\s+true", (await _cli.Ok("-n", W1, "get", "bootslots")).Out);
        var config = await _cli.Ok("-n", W1, "get", "machineconfig", "-o", "yaml");
        Assert.Contains("healthDeadline: 12s", config.Out);

        // A dry run shows the change as a unified diff and changes nothing.
        var dry = await _cli.Ok("-n", W1, "apply-config", "--dry-run", "--config-patch", "machine:\n  upgrade:\n    healthDeadline: 15s\n");
        Assert.StartsWith("Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).\n\nConfig diff:\n\n--- old\n+++ new\n@@ -", dry.Out);
        Assert.Matches(@"\n-\s+healthDeadline: 12s\n\+\s+healthDeadline: 15s\n", dry.Out);
        Assert.Contains("healthDeadline: 12s", (await _cli.Ok("-n", W1, "get", "machineconfig", "-o", "yaml")).Out);
    }

    private async Task ObservationCommandsShowTheHistory()
    {
        var events = await _cli.Follow(o => o.Contains("NodeReset"), TimeSpan.FromSeconds(60), "-n", W1, "events", "--tail", "-1");
        var order = new[] { $"slot A confirmed ({Tag})", $"slot B <- {Installer(Next)}", $"slot B confirmed ({Next})",
            "rolled back A -> B: HealthDeadlineExceeded", "reset: wiped [EPHEMERAL], STATE preserved" };
        var at = order.Select(s => events.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.True(at.All(i => i >= 0) && at.SequenceEqual(at.Order()), $"events out of order or missing ({string.Join(",", at)}):\n{events}");

        var logs = await _cli.Ok("-n", W1, "logs", "kubelet", "--tail", "5");
        Assert.Matches(@"\[talos\] service\[kubelet\]\(Running\)", logs.Out);
        var dmesg = await _cli.Ok("-n", Cp, "dmesg");
        Assert.Contains("[talos]", dmesg.Out);
        var services = await _cli.Ok("-n", Cp, "services");
        Assert.Matches($@"{Cp.Replace(".", @"\.")}\s+etcd\s+Running\s+OK", services.Out);

        var dash = await _cli.Ok("-n", W1, "dashboard", "--once", "--events", "30");
        Assert.Contains("  STAGE     running, ready\n", dash.Out);
        Assert.Contains($"  VERSION   {Next}\n", dash.Out);
        Assert.Contains($"  SLOT B    {Next}, booted, confirmed\n", dash.Out);
        Assert.Matches(@"\d+\s+NodeReset\s+reset: wiped \[EPHEMERAL\], STATE preserved", dash.Out);

        var all = await _cli.Ok("-n", $"{Cp},{W1},{W2}", "health", "--wait-timeout", "60s");
        Assert.Equal(9, all.Out.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
    }

    private async Task DestroyLeavesNothingBehind()
    {
        var pids = ClusterState.Load(ClusterDir)!.Nodes.Select(n => n.Pid).ToList();
        var destroy = await _cli.Ok("cluster", "destroy", "--name", Name, "--state", StateRoot);
        Assert.Contains($"destroyed cluster \"{Name}\"", destroy.Out);
        Assert.All(pids, pid => Assert.False(MachinedProcess.Alive(pid), $"machined pid {pid} still runs"));
        Assert.False(Directory.Exists(ClusterDir), "the cluster's state directory is still there");
        Assert.Empty(Directory.EnumerateFileSystemEntries(StateRoot));
        Assert.DoesNotContain(Name, TalosConfig.Load(_cli.TalosConfig).Contexts.Keys);
        foreach (var ip in new[] { Cp, W1, W2 })
        {
            using var tcp = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(ip, 50000));
        }
    }
}
