using Talos.Ctl.Config;

namespace Talos.Ctl.Tests.Config;

/// <summary>The reflection-free talosconfig reader (cold start) keeps the deserializer's rules.</summary>
public sealed class TalosConfigIsReadWithoutReflection
{
    [Fact]
    public void Every_field_is_read_and_writes_back_the_same()
    {
        const string yaml = "context: a\ncontexts:\n  a:\n    endpoints:\n    - 10.0.0.1\n    - 10.0.0.2\n    nodes:\n    - 10.0.0.3\n    ca: Y2E=\n    crt: Y3J0\n    key: a2V5\n  b:\n    target: 10.0.0.9\n";
        var cfg = TalosConfig.Parse(yaml, "t");
        Assert.Equal("a", cfg.Context);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], cfg.Contexts["a"].Endpoints);
        Assert.Equal(["10.0.0.3"], cfg.Contexts["a"].Nodes);
        Assert.Equal(("Y2E=", "Y3J0", "a2V5"), (cfg.Contexts["a"].Ca, cfg.Contexts["a"].Crt, cfg.Contexts["a"].Key));
        Assert.Equal(["10.0.0.9"], cfg.Contexts["b"].Endpoints);
        Assert.Equal(cfg.ToYaml(), TalosConfig.Parse(cfg.ToYaml(), "t2").ToYaml());
    }

    [Theory]
    [InlineData("context: a\nbogus: 1\n", 2, "unknown field \"bogus\"")]
    [InlineData("contexts:\n  a:\n    endpoints: 10.0.0.1\n", 3, "expected a list")]
    [InlineData("contexts:\n  a:\n    nodes: [1]\n    colour: red\n", 4, "unknown field \"colour\"")]
    [InlineData("- a\n", 1, "the talosconfig must be a mapping")]
    public void Wrong_fields_and_shapes_name_the_line(string yaml, int line, string problem)
    {
        var e = Assert.Throws<TalosConfigException>(() => TalosConfig.Parse(yaml, "cfg"));
        Assert.StartsWith($"cfg: invalid talosconfig at line {line}, column ", e.Message);
        Assert.EndsWith(problem, e.Message);
    }

    [Fact]
    public void An_empty_file_and_an_empty_context_behave_as_before()
    {
        Assert.Empty(TalosConfig.Parse("", "e").Contexts);
        var e = Assert.Throws<TalosConfigException>(() => TalosConfig.Parse("contexts:\n  a:\n", "cfg"));
        Assert.Equal("cfg: context \"a\" is empty", e.Message);
    }
}
