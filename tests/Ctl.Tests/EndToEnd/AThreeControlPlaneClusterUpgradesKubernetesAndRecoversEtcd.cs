using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Talos.Ctl.Cluster;
using Talos.Ctl.Tests.Gen;
using Xunit.Abstractions;

namespace Talos.Ctl.Tests.EndToEnd;

/// <summary>
/// Issue #12's "Tests" paragraph as one story through the CLI, against real machined processes on 127.0.103.2-5 (three
/// control planes and a worker): cluster create → kubeconfig read by kubectl → a skew violation refused → upgrade-k8s
/// one minor, stopped mid-rollout by a unit an operator stopped, resumed by the same command → every step in the
/// nodes' events → etcd snapshot → a graceful reset of a control plane (it leaves etcd) → quorum protection refuses
/// the next one → disaster recovery as upstream documents it (the other control planes wiped without leaving,
/// bootstrap --recover-from on the first, the others join the recovered cluster) → cluster destroy.
/// </summary>
public sealed class AThreeControlPlaneClusterUpgradesKubernetesAndRecoversEtcd(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Cp1 = "127.0.103.2", Cp2 = "127.0.103.3", Cp3 = "127.0.103.4", W1 = "127.0.103.5";
    private const string All = $"{Cp1},{Cp2},{Cp3},{W1}";
    private const string Name = "k8s";
    private readonly string _root = Directory.CreateTempSubdirectory("talosctl-k8s-e2e-").FullName;
    private E2eCli _cli = null!;

    private string StateRoot => Path.Combine(_root, "state");
    private string ClusterDir => Path.Combine(StateRoot, Name);
    private string Snapshot => Path.Combine(_root, "etcd.snapshot");

    public Task InitializeAsync()
    {
        _cli = new E2eCli(Path.Combine(_root, "talosconfig"), output);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _cli.CleanUpAsync(Name, StateRoot, _root);

    [Fact]
    public async Task Create_kubeconfig_upgrade_k8s_resume_snapshot_reset_quorum_recover_destroy()
    {
        var total = Stopwatch.StartNew();
        await CreateAndWaitForThreeMembers();
        await KubeconfigIsReadByKubectl();
        await SkewViolationIsRefusedAndChangesNothing();
        await UpgradeStopsMidRolloutAndTheRerunContinues();
        await EveryStepIsInTheEvents();
        var before = await SnapshotAndResetTheFirstControlPlane();
        await QuorumProtectionRefusesTheSecondReset();
        await RecoverFromTheSnapshot(before);
        var pids = ClusterState.Load(ClusterDir)!.Nodes.Select(n => n.Pid).ToList();
        Assert.Contains($"destroyed cluster \"{Name}\"", (await _cli.Ok("cluster", "destroy", "--name", Name, "--state", StateRoot)).Out);
        Assert.All(pids, pid => Assert.False(MachinedProcess.Alive(pid), $"machined pid {pid} still runs"));
        Assert.False(Directory.Exists(ClusterDir));
        output.WriteLine($"end to end: {total.Elapsed.TotalSeconds:0.0}s");
    }

    private async Task CreateAndWaitForThreeMembers()
    {
        var create = await _cli.Run(TimeSpan.FromMinutes(3), "cluster", "create", "--name", Name, "--state", StateRoot,
            "--controlplanes", "3", "--workers", "1", "--cidr", "127.0.103.0/24", "--disk-size", "128MiB",
            "--machined", E2eCli.MachinedDll(), "--wait-timeout", "150");
        Assert.True(create.Rc == 0, create.ToString());
        Assert.Contains($"cluster \"{Name}\" is up: 4 node(s)", create.Out);
        // The other control planes join through the endpoint (the first) as learners and are promoted.
        var members = await _cli.Poll(r => r.Rc == 0 && Voters(r.Out) == 3, TimeSpan.FromSeconds(60), "-n", Cp1, "etcd", "members");
        foreach (var ip in new[] { Cp1, Cp2, Cp3 }) Assert.Contains($"https://{ip}:2380", members.Out);
        await _cli.Ok("-n", $"{Cp1},{Cp2},{Cp3}", "health", "--wait-timeout", "30s");
    }

    private async Task KubeconfigIsReadByKubectl()
    {
        var file = Path.Combine(_root, "kubeconfig");
        var kc = await _cli.Ok("-n", Cp1, "kubeconfig", file);
        Assert.True(File.Exists(file), kc.ToString());
        var (rc, json, err) = Kubectl.Run("config", "view", "--kubeconfig", file, "--raw", "-o", "json");
        Assert.True(rc == 0, err);
        var view = JsonDocument.Parse(json).RootElement;
        Assert.Equal($"admin@{Name}", view.GetProperty("current-context").GetString());
        var cluster = view.GetProperty("clusters")[0].GetProperty("cluster");
        Assert.Equal($"https://{Cp1}:6443", cluster.GetProperty("server").GetString());
        // The admin certificate chains to the cluster's Kubernetes CA (the one in the control planes' config).
        var user = view.GetProperty("users")[0].GetProperty("user");
        using var ca = X509Certificate2.CreateFromPem(GenConfigWritesUpstreamShapedFiles.Pem(cluster.GetProperty("certificate-authority-data").GetString()!));
        using var leaf = X509Certificate2.CreateFromPem(GenConfigWritesUpstreamShapedFiles.Pem(user.GetProperty("client-certificate-data").GetString()!));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;   // verified now: the cluster's certificates are real-time
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(x => x.StatusInformation)));
        Assert.Equal("CN=admin, O=system:masters", leaf.Subject);
        Assert.Contains($"crt: {cluster.GetProperty("certificate-authority-data").GetString()}", File.ReadAllText(Path.Combine(ClusterDir, "controlplane.yaml")));
        var (rc2, names, err2) = Kubectl.Run("config", "get-contexts", "--kubeconfig", file, "-o", "name");
        Assert.True(rc2 == 0, err2);
        Assert.Equal($"admin@{Name}\n", names);
    }

    private async Task SkewViolationIsRefusedAndChangesNothing()
    {
        var skip = await _cli.Run("-n", All, "upgrade-k8s", "--to", "1.32.0");
        Assert.Equal(1, skip.Rc);
        Assert.Contains("unsupported upgrade path 1.30 -> 1.32", skip.Err);
        Assert.Contains("upgrade to 1.31 first", skip.Err);
        Assert.DoesNotContain("machine configuration patched", skip.Out);
        Assert.Contains("kube-apiserver:v1.30.3", (await _cli.Ok("-n", Cp1, "get", "machineconfig", "-o", "yaml")).Out);
    }

    private async Task UpgradeStopsMidRolloutAndTheRerunContinues()
    {
        // An operator stopped cp2's scheduler: the rollout gets there, finds it unhealthy at the new image and stops.
        await _cli.Ok("-n", Cp2, "service", "kube-scheduler", "stop");
        var first = await _cli.Run(TimeSpan.FromMinutes(3), "-n", All, "upgrade-k8s", "--to", "1.31.0", "--health-timeout", "4s");
        Assert.True(first.Rc == 1, first.ToString());
        Assert.Contains($"upgrade-k8s stopped at kube-scheduler on \"{Cp2}\": kube-scheduler did not become healthy", first.Err);
        Assert.Contains($"remaining: kube-scheduler on \"{Cp2}\", kube-scheduler on \"{Cp3}\"", first.Err);
        Assert.Contains($" > \"{Cp3}\": update kube-controller-manager: v1.30.3 -> v1.31.0", first.Out);

        await _cli.Ok("-n", Cp2, "service", "kube-scheduler", "start");
        var rerun = await _cli.Run(TimeSpan.FromMinutes(3), "-n", All, "upgrade-k8s", "--to", "1.31.0");
        Assert.True(rerun.Rc == 0, rerun.ToString());
        Assert.Contains($" > \"{Cp1}\": kube-apiserver is already at version \"v1.31.0\"", rerun.Out);
        Assert.Contains($" > \"{Cp2}\": kube-scheduler is already at version \"v1.31.0\"", rerun.Out);
        Assert.Contains($" > \"{Cp3}\": update kube-scheduler: v1.30.3 -> v1.31.0", rerun.Out);
        Assert.Contains($" > \"{W1}\": update kubelet: v1.30.3 -> v1.31.0", rerun.Out);
        Assert.Contains("kubernetes components are at version \"1.31.0\"", rerun.Out);
    }

    private async Task EveryStepIsInTheEvents()
    {
        // On each node, every component's step is a config change (ConfigApplied naming the image path) followed by
        // the unit's restart at the new image, in rollout order.
        var events = await _cli.Follow(o => o.Contains("ghcr.io/siderolabs/kubelet:v1.31.0"), TimeSpan.FromSeconds(30), "-n", Cp3, "events", "--tail", "-1");
        var steps = new[]
        {
            ("cluster.apiServer.image", "kube-apiserver", "registry.k8s.io/kube-apiserver"),
            ("cluster.controllerManager.image", "kube-controller-manager", "registry.k8s.io/kube-controller-manager"),
            ("cluster.scheduler.image", "kube-scheduler", "registry.k8s.io/kube-scheduler"),
            ("cluster.proxy.image", "kube-proxy", "registry.k8s.io/kube-proxy"),
            ("machine.kubelet.image", "kubelet", "ghcr.io/siderolabs/kubelet"),
        };
        InOrder(events, 0, steps.SelectMany(s => new[]
        {
            $@"ConfigApplied\s+config applied \(NoReboot\): {Regex.Escape(s.Item1)}\n",
            $@"{s.Item2}\s+Stopping: Stopping service\n",
            $@"{s.Item2}\s+Running: Started task {s.Item2} \(simulated\) for container {Regex.Escape(s.Item3)}:v1\.31\.0\n",
        }));
        var services = await _cli.Ok("-n", All, "services");
        var kube = services.Out.Split('\n').Where(l => Regex.IsMatch(l, @"\skube(let|-\S+)\s")).ToList();
        Assert.Equal(3 * 5 + 2, kube.Count);   // apiserver, controller manager, scheduler, proxy, kubelet; proxy and kubelet on the worker
        Assert.All(kube, l => Assert.Matches(@"\sRunning\s+OK\s", l));
    }

    private async Task<(string Info, int Revision)> SnapshotAndResetTheFirstControlPlane()
    {
        var snap = await _cli.Ok("-n", Cp1, "etcd", "snapshot", Snapshot);
        var info = Regex.Match(snap.Out, @"snapshot info: hash [0-9a-f]{8}, revision (\d+), total keys (\d+)");
        Assert.True(info.Success, snap.Out);
        Assert.Equal("5", info.Groups[2].Value);   // cluster id, bootstrap, one key per member (3)

        // Graceful: cp1 leaves etcd (leadership moves), then its EPHEMERAL is wiped; STATE keeps the config.
        var reset = await _cli.Ok("-n", Cp1, "reset", "--system-labels-to-wipe", "EPHEMERAL", "--reboot", "--wait", "--timeout", "2m");
        Assert.Contains($"{Cp1}: reset done: reset: wiped [EPHEMERAL], STATE preserved", reset.Out);
        var two = await _cli.Poll(r => r.Rc == 0 && Voters(r.Out) == 2, TimeSpan.FromSeconds(30), "-n", Cp2, "etcd", "members");
        Assert.DoesNotContain($"https://{Cp1}:2380", two.Out);
        // cp1 runs etcd without data (its endpoint is itself, so it does not rejoin): an empty member list.
        var gone = await _cli.Ok("-n", Cp1, "etcd", "members");
        Assert.DoesNotContain(":2380", gone.Out);
        return (info.Value, int.Parse(info.Groups[1].Value));
    }

    private async Task QuorumProtectionRefusesTheSecondReset()
    {
        var refused = await _cli.Run("-n", Cp2, "reset", "--system-labels-to-wipe", "EPHEMERAL", "--reboot");
        Assert.Equal(1, refused.Rc);
        Assert.Contains("etcd member count (2) is insufficient to maintain quorum", refused.Err);
        Assert.Equal(2, Voters((await _cli.Ok("-n", Cp3, "etcd", "members")).Out));
    }

    private async Task RecoverFromTheSnapshot((string Info, int Revision) before)
    {
        // Upstream's disaster recovery: wipe the remaining members' etcd data without leaving, then recover one node
        // from the snapshot; the others join the recovered cluster through the endpoint.
        await _cli.Ok("-n", $"{Cp2},{Cp3}", "reset", "--graceful=false", "--system-labels-to-wipe", "EPHEMERAL", "--reboot", "--wait", "--timeout", "2m");
        var boot = await _cli.Ok("-n", Cp1, "bootstrap", "--recover-from", Snapshot);
        Assert.Contains("snapshot uploaded", boot.Out);
        var members = await _cli.Poll(r => r.Rc == 0 && Voters(r.Out) == 3, TimeSpan.FromSeconds(60), "-n", Cp1, "etcd", "members");
        foreach (var ip in new[] { Cp1, Cp2, Cp3 }) Assert.Contains($"https://{ip}:2380", members.Out);

        // The recovered data continues the snapshot's history: its revision moves on from there (a fresh bootstrap would start at 1).
        var again = await _cli.Ok("-n", Cp2, "etcd", "snapshot", Path.Combine(_root, "after.snapshot"));
        var info = Regex.Match(again.Out, @"revision (\d+), total keys (\d+)");
        Assert.True(int.Parse(info.Groups[1].Value) > before.Revision, $"{before.Info}\n{again.Out}");
        Assert.Equal("5", info.Groups[2].Value);
        await MembershipHistoryIsInTheLog(before.Revision);
    }

    /// <summary>cp1's META log tells the etcd story: bootstrap, the others joining, leaving at reset, the recovery of the same cluster.</summary>
    private async Task MembershipHistoryIsInTheLog(int snapshotRevision)
    {
        var events = await _cli.Follow(o => o.Contains($", revision {snapshotRevision + 5}, 3 member(s)"), TimeSpan.FromSeconds(30), "-n", Cp1, "events", "--tail", "-1");
        var first = Regex.Match(events, @"etcd bootstrapped: member (?<self>[0-9a-f]+) \(\S+\), cluster (?<cluster>[0-9a-f]+), revision 1, 1 member\(s\)\n");
        Assert.True(first.Success, events);
        var (self, cluster) = (first.Groups["self"].Value, first.Groups["cluster"].Value);
        InOrder(events, first.Index + first.Length, new[]
        {
            // The other two join concurrently: added and promoted in any interleaving, the last promotion makes three voters.
            @"etcd member added: .*, revision 2, 2 member\(s\)\n", @"etcd member promoted: .*, 3 member\(s\)\n",
            $@"etcd left: member {self} \(\S+\), cluster {cluster}, local data deleted\n",
            $@"etcd recovered: member [0-9a-f]+ \(\S+\), cluster {cluster}, revision {snapshotRevision + 1}, 1 member\(s\)\n",
            @"etcd member added: .*, 2 member\(s\)\n", $@"etcd member promoted: .*, revision {snapshotRevision + 5}, 3 member\(s\)\n",
        });
    }

    /// <summary>Asserts that each pattern matches in <paramref name="text"/> after the previous one's match.</summary>
    private static void InOrder(string text, int at, IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            var m = new Regex(pattern).Match(text, at);
            Assert.True(m.Success, $"missing after offset {at}: {pattern}\n{text}");
            at = m.Index + m.Length;
        }
    }

    /// <summary>Rows of <c>etcd members</c> output that are voters (LEARNER false), counted once per member id.</summary>
    private static int Voters(string table) =>
        table.Split('\n').Where(l => Regex.IsMatch(l, @"\sfalse\s*$")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Distinct().Count();
}
