using Xunit.Abstractions;

namespace Talos.Ctl.Tests.EndToEnd;

/// <summary>Bad input to <c>cluster create</c> gets one clear line and leaves no state directory and no process.</summary>
public sealed class ClusterCreateRejectsBadInputAndCreatesNothing(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("talosctl-badcreate-").FullName;
    private string State => Path.Combine(_root, "state");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CliResult> Create(params string[] more) =>
        new E2eCli(Path.Combine(_root, "talosconfig"), output).Run(["cluster", "create", "--name", "bad", "--state", State,
            "--cidr", "127.0.101.0/24", "--machined", E2eCli.MachinedDll(), .. more]);

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
}
