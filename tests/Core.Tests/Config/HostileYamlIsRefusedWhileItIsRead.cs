using System.Diagnostics;
using System.Text;
using Talos.Core.Config;
using Talos.Core.Config.Yaml;
using Talos.Core.Errors;

namespace Talos.Core.Tests.ConfigTests;

/// <summary>
/// Issue 22 item 1: YAML from outside is bounded while it is read. Each hostile text ends quickly with a typed error
/// (on main: a stack overflow that kills the process, a tree of billions of nodes, or minutes of CPU).
/// </summary>
public sealed class HostileYamlIsRefusedWhileItIsRead
{
    // Generous for a shared 2-core machine: each of these finishes in milliseconds with the bounds in place.
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> DeepTexts => new()
    {
        { "flow lists", new string('[', 100_000) + new string(']', 100_000) },
        { "flow maps", string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "x" + new string('}', 100_000) },
        { "block lists", string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n" },
        { "block maps", string.Concat(Enumerable.Range(0, 3_000).Select(i => new string(' ', 2 * i) + "k:\n")) + new string(' ', 6_000) + "x\n" },
    };

    [Theory]
    [MemberData(nameof(DeepTexts))]
    public void Deep_nesting_stops_at_the_depth_limit(string kind, string text)
    {
        var e = Timed(() => YamlText.Parse(text));
        var limit = Assert.IsType<YamlLimitExceededException>(e);
        Assert.Equal(YamlLimit.Depth, limit.Limit);
        Assert.Equal(ErrorCode.InvalidArgument, limit.Code);
        Assert.Contains("exceeded max depth of 64", limit.Message);
        Assert.True(limit.Line >= 1, kind);
    }

    [Fact]
    public void Nesting_up_to_the_depth_limit_is_read()
    {
        var docs = YamlText.Parse(new string('[', 64) + new string(']', 64));
        var node = Assert.Single(docs);
        for (var i = 1; i < 64; i++) node = Assert.Single(Assert.IsType<YSeq>(node).Items);
        Assert.Empty(Assert.IsType<YSeq>(node).Items);
    }

    [Fact]
    public void Billion_laughs_stops_at_the_node_limit_without_expanding()
    {
        var sb = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
            sb.Append(level).Append(": &").Append(level).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*" + (char)(level - 1), 9))).Append("]\n");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.IsType<YamlLimitExceededException>(Timed(() => YamlText.Parse(sb.ToString())));
        Assert.Equal(YamlLimit.Nodes, e.Limit);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "reading allocated more than 64 MiB");
    }

    [Fact]
    public void More_aliases_than_the_limit_are_refused_as_excessive_aliasing()
    {
        var text = "a: &x v\nlist: [" + string.Join(", ", Enumerable.Repeat("*x", 101)) + "]\n";
        var e = Assert.IsType<YamlLimitExceededException>(Timed(() => YamlText.Parse(text)));
        Assert.Equal(YamlLimit.Aliases, e.Limit);
        Assert.Contains("document contains excessive aliasing", e.Message);
    }

    [Fact]
    public void A_few_aliases_still_read_as_the_values_they_stand_for()
    {
        var map = Assert.IsType<YMap>(Assert.Single(YamlText.Parse("base: &b {k: v}\ncopy: *b\nname: &n x\nother: *n\n")));
        Assert.True(map.Get("copy")!.SameAs(map.Get("base")!));
        Assert.Equal("x", Assert.IsType<YScalar>(map.Get("other")).Value);
    }

    [Fact]
    public void An_alias_to_an_anchor_not_yet_defined_is_a_parse_error()
    {
        var e = Assert.Throws<ConfigParseException>(() => YamlText.Parse("a: *later\nb: &later v\n"));
        Assert.Contains("alias *later refers to no anchor", e.Message);
    }

    [Fact]
    public void Half_a_million_keys_stop_at_the_node_limit_quickly()
    {
        var text = string.Concat(Enumerable.Range(0, 500_000).Select(i => $"k{i}: {i}\n"));
        var e = Assert.IsType<YamlLimitExceededException>(Timed(() => YamlText.Parse(text)));
        Assert.Equal(YamlLimit.Nodes, e.Limit);
        Assert.Contains("too many keys and values (more than 100000", e.Message);
    }

    [Fact]
    public void Many_keys_within_the_limit_are_read_in_linear_time()
    {
        // 40,000 keys: the old duplicate check compared every key with every earlier one (800 million comparisons).
        var text = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"k{i}: {i}\n"));
        var map = Assert.IsType<YMap>(Assert.Single(TimedValue(() => YamlText.Parse(text))));
        Assert.Equal(40_000, map.Entries.Count);
        Assert.Throws<ConfigParseException>(() => YamlText.Parse(text + "k7: again\n"));
    }

    [Fact]
    public void A_text_over_32_MiB_is_refused_before_reading_with_the_limit_in_the_message()
    {
        var text = "version: v1alpha1\n#" + new string('x', (int)YamlLimits.DefaultMaxBytes) + "\n";
        var e = Assert.IsType<ConfigTooLargeException>(Timed(() => YamlText.Parse(text)));
        Assert.Equal(ErrorCode.ResourceExhausted, e.Code);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), e.Bytes);
        Assert.Equal(33_554_432, e.Limit);
        Assert.Contains("over the limit of 33554432 bytes (32 MiB)", e.Message);
    }

    [Fact]
    public void Machine_configs_and_patches_are_read_through_the_bounded_reader()
    {
        var deep = "machine:\n  sysctls: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        Assert.IsType<YamlLimitExceededException>(Timed(() => MachineConfig.Parse(deep)));
        Assert.IsType<YamlLimitExceededException>(Timed(() => ConfigPatch.Parse(deep)));
        var text = "machine:\n  sysctls: {a: 1}\n" + "#" + new string('x', (int)YamlLimits.DefaultMaxBytes) + "\n";
        Assert.IsType<ConfigTooLargeException>(Timed(() => MachineConfig.Parse(text)));
    }

    private static Exception Timed(Action read)
    {
        var sw = Stopwatch.StartNew();
        var e = Record.Exception(read);
        sw.Stop();
        Assert.True(sw.Elapsed < Fast, $"reading took {sw.Elapsed}");
        Assert.NotNull(e);
        return e;
    }

    private static T TimedValue<T>(Func<T> read)
    {
        var sw = Stopwatch.StartNew();
        var value = read();
        Assert.True(sw.Elapsed < Fast, $"reading took {sw.Elapsed}");
        return value;
    }
}
