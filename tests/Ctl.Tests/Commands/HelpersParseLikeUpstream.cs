using FsCheck;
using FsCheck.Fluent;
using Talos.Ctl.Client;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Tests.Commands;

public sealed class HelpersParseLikeUpstream
{
    [Fact]
    public void Meta_keys_parse_like_go_ParseUint_base_0_for_every_byte()
    {
        Prop.ForAll(FsCheck.Fluent.Gen.Choose(0, 255).ToArbitrary(), k =>
            MetaCommand.ParseKey($"0x{k:x2}") == (uint)k && MetaCommand.ParseKey($"0X{k:X}") == (uint)k
            && MetaCommand.ParseKey(k.ToString(System.Globalization.CultureInfo.InvariantCulture)) == (uint)k
            && MetaCommand.ParseKey("0" + Convert.ToString(k, 8)) == (uint)k)
            .QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("0x100")]
    [InlineData("256")]
    [InlineData("0xzz")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("09")]
    public void Bad_meta_keys_are_usage_errors(string key) => Assert.Throws<UsageException>(() => MetaCommand.ParseKey(key));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(59.9, "59s")]
    [InlineData(60, "1m0s")]
    [InlineData(3725, "1h2m5s")]
    [InlineData(-5, "0s")]
    public void Durations_print_as_go_does(double seconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("2m0s", 120)]
    [InlineData("1.5s", 1.5)]
    [InlineData("500ms", 0.5)]
    [InlineData("00:02:00", 120)]
    public void Durations_parse_go_syntax(string text, double seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var v));
        Assert.Equal(TimeSpan.FromSeconds(seconds), v);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("m5")]
    [InlineData("5d")]
    [InlineData("")]
    public void Bad_durations_do_not_parse(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void Nodes_are_dialled_directly_on_the_endpoints_port_and_labelled_without_it()
    {
        var targets = NodeTarget.Resolve(["127.0.9.1:50123"], ["127.0.9.1", "127.0.9.2", "10.0.0.5:6000", "127.0.9.2"]);
        Assert.Equal(new[]
        {
            new NodeTarget("127.0.9.1", "127.0.9.1:50123", "127.0.9.1"),
            new NodeTarget("127.0.9.2", "127.0.9.2:50123", "127.0.9.2"),
            new NodeTarget("10.0.0.5", "10.0.0.5:6000", "10.0.0.5"),
        }, targets);
        Assert.Equal(new[] { new NodeTarget("10.5.0.2", "10.5.0.2:50000", null) }, NodeTarget.Resolve(["10.5.0.2"], []));
        Assert.Equal("10.5.0.3:50000", Assert.Single(NodeTarget.Resolve([], ["10.5.0.3"])).Dial);
    }

    [Fact]
    public void Config_patches_merge_maps_append_lists_replace_scalars_and_keep_other_documents()
    {
        var patched = ConfigPatch.Apply("machine:\n  type: worker\n  certSANs: [a]\n---\nkind: Extra\n",
            [ConfigPatch.Load("machine: {type: controlplane, certSANs: [b], token: t}")]);
        Assert.Equal("machine:\n  type: controlplane\n  certSANs: [a, b]\n  token: t\n---\nkind: Extra\n", patched);
        Assert.Throws<UsageException>(() => ConfigPatch.Load("[1, 2]"));
        Assert.StartsWith("--config-patch: invalid YAML at line", Assert.Throws<UsageException>(() => ConfigPatch.Load("a: [b")).Message);
    }
}
