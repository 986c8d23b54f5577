using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;

namespace Talos.Ctl.Tests.Config;

public sealed class TalosConfigCommandsBehaveLikeUpstream : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("talosctl-config-").FullName;
    private string PathOf(string name) => Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Rc, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        var rc = await Cli.RunAsync(args, new CliContext(o, e));
        return (rc, o.ToString(), e.ToString());
    }

    private void WriteConfig(string file, string current, params string[] contexts)
    {
        var cfg = new TalosConfig { Context = current };
        foreach (var c in contexts) cfg.Contexts[c] = new TalosContext { Endpoints = { "127.0.0.2" } };
        cfg.Save(PathOf(file));
    }

    [Fact]
    public async Task Endpoint_and_node_set_the_current_context_and_accept_commas_and_repeats()
    {
        WriteConfig("config", "alpha", "alpha", "beta");
        Assert.Equal(0, (await Run("--talosconfig", PathOf("config"), "config", "endpoint", "127.0.0.11", "127.0.0.12")).Rc);
        Assert.Equal(0, (await Run("--talosconfig", PathOf("config"), "config", "node", "127.0.0.11,127.0.0.13")).Rc);
        var cfg = TalosConfig.Load(PathOf("config"));
        Assert.Equal(new[] { "127.0.0.11", "127.0.0.12" }, cfg.Contexts["alpha"].Endpoints);
        Assert.Equal(new[] { "127.0.0.11", "127.0.0.13" }, cfg.Contexts["alpha"].Nodes);
        Assert.Equal(new[] { "127.0.0.2" }, cfg.Contexts["beta"].Endpoints);
    }

    [Fact]
    public async Task Contexts_lists_every_context_and_marks_the_current_one()
    {
        WriteConfig("config", "beta", "alpha", "beta");
        var (rc, output, _) = await Run("--talosconfig", PathOf("config"), "config", "contexts");
        Assert.Equal(0, rc);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("CURRENT   NAME    ENDPOINTS   NODES", lines[0]);
        Assert.Equal("          alpha   127.0.0.2", lines[1]);
        Assert.Equal("*         beta    127.0.0.2", lines[2]);
    }

    [Fact]
    public async Task Context_switches_and_an_unknown_context_is_a_clear_error_that_changes_nothing()
    {
        WriteConfig("config", "alpha", "alpha", "beta");
        Assert.Equal(0, (await Run("--talosconfig", PathOf("config"), "config", "context", "beta")).Rc);
        Assert.Equal("beta", TalosConfig.Load(PathOf("config")).Context);
        var before = File.ReadAllText(PathOf("config"));
        var (rc, _, err) = await Run("--talosconfig", PathOf("config"), "config", "context", "gamma");
        Assert.Equal(1, rc);
        Assert.Contains("context \"gamma\" is not defined", err);
        Assert.Equal(before, File.ReadAllText(PathOf("config")));
    }

    [Fact]
    public async Task Merge_renames_clashing_contexts_with_a_suffix_and_selects_the_merged_context()
    {
        WriteConfig("config", "alpha", "alpha");
        WriteConfig("other", "alpha", "alpha");
        var (rc, output, _) = await Run("--talosconfig", PathOf("config"), "config", "merge", PathOf("other"));
        Assert.Equal(0, rc);
        Assert.Contains("renamed talosconfig context \"alpha\" -> \"alpha-1\"", output);
        var cfg = TalosConfig.Load(PathOf("config"));
        Assert.Equal(new[] { "alpha", "alpha-1" }, cfg.Contexts.Keys);
        Assert.Equal("alpha-1", cfg.Context);
    }

    [Fact]
    public async Task A_missing_talosconfig_is_one_clear_line_and_exit_1()
    {
        var (rc, _, err) = await Run("--talosconfig", PathOf("nope"), "config", "info");
        Assert.Equal(1, rc);
        Assert.StartsWith("error: failed to open config file", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_malformed_talosconfig_names_the_file_and_line()
    {
        var ex = Assert.Throws<TalosConfigException>(() => TalosConfig.Parse("context: a\ncontexts:\n  a: [oops\n", "cfg.yaml"));
        Assert.StartsWith("cfg.yaml: invalid talosconfig at line", ex.Message);
    }

    [Fact]
    public void The_deprecated_target_field_becomes_an_endpoint_and_yaml_round_trips()
    {
        var cfg = TalosConfig.Parse("context: a\ncontexts:\n  a:\n    target: 10.5.0.2\n    nodes: [10.5.0.3]\n", "t");
        Assert.Equal(new[] { "10.5.0.2" }, cfg.Contexts["a"].Endpoints);
        var again = TalosConfig.Parse(cfg.ToYaml(), "t2");
        Assert.Equal(cfg.ToYaml(), again.ToYaml());
        Assert.DoesNotContain("target", cfg.ToYaml());
    }

    [Fact]
    public async Task Version_client_prints_the_client_tag()
    {
        var (rc, output, _) = await Run("version", "--client");
        Assert.Equal(0, rc);
        Assert.Contains("\tTag:         v0.1.0", output);
    }
}
