using Talos.Ctl.Commands;

namespace Talos.Ctl.Tests.Commands;

public sealed class VersionAndErrorsAreClear : NodeCommandTestBase
{
    private static string Client => Lines("Client:", $"\tTag:         {VersionCommand.Tag}", $"\tOS/Arch:     {VersionCommand.OsArch}");

    [Fact]
    public async Task Version_prints_client_then_each_node_labelled_and_sends_the_node_header()
    {
        var (rc, output, err) = await Run("version", "-n", "127.0.9.1,127.0.9.2");
        Assert.Equal("", err);
        Assert.Equal(0, rc);
        var server = string.Concat(new[] { "127.0.9.1", "127.0.9.2" }.Select(n => Lines(
            $"\tNODE:        {n}", "\tTag:         v1.2.0", "\tSHA:         abc1234", "\tBuilt:       ", "\tRuntime:     .NET 10.0.0",
            "\tOS/Arch:     linux/amd64", "\tPlatform:    metal (metal)", "\tEnabled:     RBAC")));
        Assert.Equal(Client + "Server:\n" + server, output);
        Assert.Contains("127.0.9.2", Node2.Machine.NodeHeaders);
    }

    [Fact]
    public async Task An_unreachable_node_is_one_line_naming_it_and_the_other_nodes_still_answer()
    {
        var (rc, output, err) = await Run("version", "-n", "127.0.9.1,127.0.9.3");
        Assert.Equal(1, rc);
        Assert.Contains("\tNODE:        127.0.9.1", output);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: 127.0.9.3: node unreachable: connection refused (is machined running and is the endpoint right?)", line);
    }

    [Fact]
    public async Task Permission_denied_is_one_line_with_the_roles()
    {
        Node1.DenyAll = "os:reader";
        var (rc, output, err) = await Run("upgrade", "-i", "ghcr.io/siderolabs/installer:v1.2.1");
        Assert.Equal(1, rc);
        Assert.Equal("", output);
        Assert.Equal("error: 127.0.9.1: permission denied: /machine.MachineService/Upgrade: not authorized: requires one of [os:admin], caller has [os:reader]\n", err);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_rejected_with_a_hint()
    {
        WriteConfig(new TestPki(seed: 10).Context([$"127.0.9.1:{Node1.Port}"], ["127.0.9.1"]));
        var (rc, _, err) = await Run("services");
        Assert.Equal(1, rc);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: 127.0.9.1: the node's certificate is not signed by the talosconfig's CA (wrong context, or the node has new secrets: check \"talosctl config info\")", line);
    }

    [Fact]
    public async Task A_client_certificate_the_node_does_not_trust_is_one_line_with_a_hint()
    {
        var ctx = Pki.Context([$"127.0.9.1:{Node1.Port}"], ["127.0.9.1"]);
        var foreign = new TestPki(seed: 11).Context([], []);
        (ctx.Crt, ctx.Key) = (foreign.Crt, foreign.Key);
        WriteConfig(ctx);
        var (rc, _, err) = await Run("services");
        Assert.Equal(1, rc);
        Assert.Equal("error: 127.0.9.1: connection closed during the TLS handshake: the node rejected the client certificate (wrong CA, expired, or the node is in maintenance mode: try --insecure)\n", err);
    }

    [Fact]
    public async Task A_missing_talosconfig_is_one_line_and_no_node_is_contacted()
    {
        File.Delete(ConfigPath);
        var (rc, output, err) = await Run("services");
        Assert.Equal(1, rc);
        Assert.Equal("", output);
        Assert.Equal($"error: failed to open config file \"{ConfigPath}\": no such file (create one with \"talosctl gen config\" or pass --talosconfig)\n", err);
        Assert.Empty(Node1.Machine.NodeHeaders);
    }

    [Fact]
    public async Task A_talosconfig_with_a_broken_key_is_one_line()
    {
        var ctx = Pki.Context([$"127.0.9.1:{Node1.Port}"], ["127.0.9.1"]);
        ctx.Key = "not base64!";
        WriteConfig(ctx);
        var (rc, _, err) = await Run("services");
        Assert.Equal(1, rc);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: the talosconfig context's ca/crt/key are not valid base64-encoded PEM (", line);
    }

    [Theory]
    [InlineData(new[] { "reset", "--wipe-mode", "bogus" }, "error: Argument 'bogus' not recognized. Must be one of:")]
    [InlineData(new[] { "upgrade" }, "error: Option '--image' is required.")]
    [InlineData(new[] { "reboot", "--frobnicate" }, "error: Unrecognized command or argument '--frobnicate'.")]
    [InlineData(new[] { "meta", "write", "0x1ff", "x" }, "error: invalid META key \"0x1ff\": keys are one byte (0x00..0xff)")]
    [InlineData(new[] { "upgrade", "-i", "x", "--wait", "--timeout", "soon" }, "error: invalid duration \"soon\" for --timeout: use Go syntax such as 30s, 5m or 1h30m")]
    [InlineData(new[] { "events", "--tail", "3", "--since", "9" }, "error: --tail, --since and --duration are mutually exclusive")]
    public async Task Bad_flags_are_one_line_and_exit_1(string[] args, string start)
    {
        var (rc, output, err) = await Run(args);
        Assert.Equal(1, rc);
        Assert.Equal("", output);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(start, line);
        Assert.Empty(Node1.Machine.Requests);
    }
}
