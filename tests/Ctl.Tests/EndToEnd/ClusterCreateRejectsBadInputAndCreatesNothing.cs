using Xunit.Abstractions;

namespace Talos.Ctl.Tests.EndToEnd;

/// <summary>Bad input to <c>cluster create</c> gets one clear line and leaves no state directory and no process.</summary>
public sealed class ClusterCreateRejectsBadInputAndCreatesNothing(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("talosctl-badcreate-").FullName;
    private string State => Path.Combine(_root, "state");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CliResult> Create(params string[] more) => CreateIn("127.0.101.0/24", more);

    private Task<CliResult> CreateIn(string cidr, params string[] more) =>
        new E2eCli(Path.Combine(_root, "talosconfig"), output).Run(["cluster", "create", "--name", "bad", "--state", State,
            "--cidr", cidr, "--machined", E2eCli.MachinedDll(), .. more]);

    private async Task Gen(string endpoint) =>
        Assert.Equal(0, (await new E2eCli(Path.Combine(_root, "talosconfig"), output).Run("gen", "config", "bad", endpoint, "--output-dir", Path.Combine(_root, "gen"))).Rc);

    [Fact]
    public async Task A_missing_input_dir_file_is_named()
    {
        var r = await Create("--input-dir", Path.Combine(_root, "nowhere"));
        Assert.Equal(1, r.Rc);
        Assert.Equal($"error: --input-dir: {Path.Combine(_root, "nowhere", "controlplane.yaml")} does not exist (run \"talosctl gen config\" with --output-dir {Path.Combine(_root, "nowhere")})\n", r.Err);
        Assert.False(Directory.Exists(State));
    }

    [Fact]
    public async Task Workers_need_the_first_control_plane_as_endpoint()
    {
        await Gen("https://10.5.0.1:6443");
        var r = await Create("--input-dir", Path.Combine(_root, "gen"), "--workers", "1");
        Assert.Equal(1, r.Rc);
        Assert.StartsWith("error: the workers' cluster endpoint \"https://10.5.0.1:6443\" is not the first control plane (127.0.101.2)", r.Err);
        Assert.False(Directory.Exists(State));
    }

    [Fact]
    public async Task Patches_are_refused_with_an_input_dir()
    {
        await Gen("https://127.0.101.2:6443");
        var r = await Create("--input-dir", Path.Combine(_root, "gen"), "--config-patch", "machine:\n  upgrade:\n    tries: 2\n");
        Assert.Equal(1, r.Rc);
        Assert.Contains("--input-dir takes the configs as they are", r.Err);
        Assert.False(Directory.Exists(State));
    }

    [Fact]
    public async Task A_bad_patch_is_named_before_anything_starts()
    {
        var r = await Create("--config-patch", "machine: [");
        Assert.Equal(1, r.Rc);
        Assert.StartsWith("error: --config-patch \"machine: [\":", r.Err);
        Assert.False(Directory.Exists(State));
    }

    [Fact]
    public async Task An_address_another_process_listens_on_is_named_and_nothing_is_started()
    {
        // Something else already serves the first control plane's trustd port.
        using var other = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse("127.0.104.2"), 50001);
        other.Start();
        var r = await CreateIn("127.0.104.0/24");
        Assert.Equal(1, r.Rc);
        Assert.Equal($"error: 127.0.104.2:50001 is already in use by another process (not by a cluster in {State}): choose another range with --cidr, " +
            "or stop what listens there; nothing was started\n", r.Err);
        Assert.False(Directory.Exists(Path.Combine(State, "bad")));
    }

    [Fact]
    public async Task An_address_of_a_running_cluster_names_that_cluster_and_nothing_is_sent_to_it()
    {
        // Another cluster's state in the same root with a live process (this test's own) at the first address.
        var owner = new Talos.Ctl.Cluster.ClusterState { Name = "prod", Directory = Path.Combine(State, "prod") };
        owner.Nodes.Add(new Talos.Ctl.Cluster.ClusterNode { Name = "prod-controlplane-1", Role = "controlplane", Address = "127.0.104.2", Pid = Environment.ProcessId });
        owner.Save();
        // A listener where its node would be: create must not talk to it.
        using var node = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse("127.0.104.2"), 50000);
        node.Start();
        var r = await CreateIn("127.0.104.0/24");
        Assert.Equal(1, r.Rc);
        Assert.Equal($"error: address 127.0.104.2 is in use by node prod-controlplane-1 of cluster \"prod\" (pid {Environment.ProcessId}): choose another range with --cidr, " +
            "or remove that cluster with \"talosctl cluster destroy --name prod\"; nothing was started\n", r.Err);
        Assert.False(Directory.Exists(Path.Combine(State, "bad")));
        Assert.False(node.Pending(), "cluster create connected to the other cluster's node");
    }
}
