using System.CommandLine;
using Talos.Ctl.Client;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// Cold start (issue #9): the system CA store is skipped only for commands whose TLS peers are nodes; registry and
/// fleet commands keep it (they may talk to public HTTPS registries or a TLS PostgreSQL).
/// </summary>
public sealed class SystemCaStoreIsSkippedOnlyForNodeCommands
{
    private static bool NodeOnly(params string[] args) =>
        SystemCaStore.OnlyTalksToNodes(Cli.Build(new CliContext(TextWriter.Null, TextWriter.Null)).Parse(args));

    [Theory]
    [InlineData("version")]
    [InlineData("--talosconfig", "/x", "-n", "127.0.9.1", "version")]
    [InlineData("get", "bootslots", "-o", "yaml")]
    [InlineData("upgrade", "--image", "ghcr.io/siderolabs/installer:v1.9.0", "--wait")]
    [InlineData("etcd", "members")]
    [InlineData("--context", "image", "health")]
    public void Node_commands_skip_it(params string[] args) => Assert.True(NodeOnly(args));

    [Theory]
    [InlineData("image", "push", "ghcr.io/x/y:1")]
    [InlineData("image", "list", "--remote", "ghcr.io")]
    [InlineData("--context", "version", "image", "list")]
    [InlineData("audit", "report")]
    [InlineData("cluster", "create")]
    [InlineData("gen", "config", "demo", "https://10.0.0.1:6443")]
    [InlineData("config", "info")]
    [InlineData()]
    [InlineData("--help")]
    public void Other_commands_keep_it(params string[] args) => Assert.False(NodeOnly(args));

    [Fact]
    public void Every_node_command_exists()
    {
        var names = Cli.Build(new CliContext(TextWriter.Null, TextWriter.Null)).Subcommands.Select(c => c.Name).ToHashSet();
        Assert.All(SystemCaStore.NodeCommands, n => Assert.Contains(n, names));
    }
}
