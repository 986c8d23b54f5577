using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Talos.Api.Cosi;
using Talos.Ctl.Cluster;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using FGen = FsCheck.Fluent.Gen;

namespace Talos.Ctl.Tests.Config;

/// <summary>
/// Native AOT (issue #9) replaced YamlDotNet's reflection serializer with event-emitter writers and model readers. The
/// reflection serializer still works under the JIT: here it is the reference the new code must match byte for byte.
/// </summary>
public sealed class HandWrittenYamlMatchesTheReflectionSerializer
{
    /// <summary>Strings the YAML emitter must quote, fold or escape, and ordinary ones.</summary>
    private static readonly string[] Tricky =
    [
        "", " ", "a", "10.0.0.1", "127.0.9.1:50000", "[::1]:50000", "true", "false", "yes", "no", "on", "null", "Null", "~", "123", "0x1F",
        "1e3", "-1", ".5", "-", "- a", "a: b", "a #b", "#c", "'q'", "\"d\"", "{x}", "[y]", "*ref", "&anc", "!tag", "%p", "@at", "`bt",
        "a\nb", "tab\there", "ünï", "trailing ", " leading", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ=", "https://10.0.0.1:6443",
    ];

    private static readonly ISerializer TalosConfigReference = new SerializerBuilder()
        .WithNamingConvention(NullNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections)
        .WithIndentedSequences()
        .Build();

    private static readonly ISerializer ClusterStateReference =
        new SerializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();

    private static Gen<string> Text => FGen.OneOf(FGen.Elements(Tricky), ArbMap.Default.GeneratorFor<string>().Where(s => s is not null));

    private static Gen<string?> MaybeText => FGen.OneOf(FGen.Constant<string?>(null), Text.Select(s => (string?)s));

    private static Gen<TalosContext> Context =>
        from target in MaybeText
        from endpoints in FGen.ListOf(Text)
        from nodes in FGen.ListOf(Text)
        from ca in MaybeText
        from crt in MaybeText
        from key in MaybeText
        from cluster in MaybeText
        select new TalosContext { Target = target, Endpoints = endpoints.ToList(), Nodes = nodes.ToList(), Ca = ca, Crt = crt, Key = key, Cluster = cluster };

    private static Gen<TalosConfig> Configs =>
        from current in MaybeText
        from contexts in FGen.ListOf(FGen.Zip(Text, Context))
        select Build(current, contexts);

    private static TalosConfig Build(string? current, IEnumerable<(string, TalosContext)> contexts)
    {
        var cfg = new TalosConfig { Context = current };
        foreach (var (name, ctx) in contexts) cfg.Contexts[name] = ctx;
        return cfg;
    }

    [Property(MaxTest = 300)]
    public Property Talosconfig_text_is_the_serializers() =>
        Prop.ForAll(Configs.ToArbitrary(), cfg => Assert.Equal(TalosConfigReference.Serialize(cfg), cfg.ToYaml()));

    [Fact]
    public void A_typical_talosconfig_is_written_as_before()
    {
        var cfg = Build("demo", [("demo", new TalosContext { Endpoints = ["127.0.9.1"], Nodes = ["127.0.9.1", "127.0.9.2"], Ca = "Y2E=", Crt = "Y3J0", Key = "a2V5" })]);
        Assert.Equal(
            "context: demo\ncontexts:\n  demo:\n    endpoints:\n      - 127.0.9.1\n    nodes:\n      - 127.0.9.1\n      - 127.0.9.2\n    ca: Y2E=\n    crt: Y3J0\n    key: a2V5\n",
            cfg.ToYaml());
        Assert.Equal(TalosConfigReference.Serialize(cfg), cfg.ToYaml());
    }

    /// <summary>Names, roles, addresses and paths as they are: the tricky strings without whitespace at the edges, and paths.</summary>
    private static Gen<string> Realistic => FGen.OneOf(
        FGen.Elements(Tricky.Where(t => t.Length > 0 && t == t.Trim() && !t.Contains('\n')).ToArray()),
        FGen.ListOf(FGen.Elements("tmp", "talos", "clusters", "demo-1", "disk.raw", "machined.log", "ünï", "a b")).Select(p => "/" + string.Join('/', p)));

    private static Gen<ClusterState> States(Gen<string> text) =>
        from name in text
        from dir in text
        from nodes in FGen.ListOf(
            from n in text
            from role in text
            from addr in text
            from disk in text
            from log in text
            from pid in ArbMap.Default.GeneratorFor<int>()
            select new ClusterNode { Name = n, Role = role, Address = addr, Disk = disk, Log = log, Pid = pid })
        select new ClusterState { Name = name, Directory = dir, Nodes = nodes.ToList() };

    [Property(MaxTest = 200)]
    public Property Cluster_state_text_is_the_serializers() =>
        Prop.ForAll(States(Text).ToArbitrary(), s => Assert.Equal(ClusterStateReference.Serialize(s), ClusterStateYaml.Write(s)));

    /// <summary>
    /// Read back over realistic values: for arbitrary control characters and whitespace-only strings YamlDotNet's
    /// emitter writes text that does not read back (so did the serializer: the text above is the same).
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Cluster_state_reads_back_what_it_wrote() =>
        Prop.ForAll(States(Realistic).ToArbitrary(), s =>
        {
            var text = ClusterStateYaml.Write(s);
            Assert.Equal(text, ClusterStateYaml.Write(ClusterStateYaml.Read(text, "cluster.yaml")));
        });

    [Fact]
    public void A_bad_cluster_state_names_the_file_and_line()
    {
        var e = Assert.Throws<ClusterException>(() => ClusterStateYaml.Read("name: a\nnodes:\n- name: n\n  pid: x\n", "/s/cluster.yaml"));
        Assert.Equal("/s/cluster.yaml: invalid cluster state at line 4, column 8: pid must be an integer", e.Message);
        e = Assert.Throws<ClusterException>(() => ClusterStateYaml.Read("name: a\ncolour: red\n", "c"));
        Assert.Equal("c: invalid cluster state at line 2, column 1: unknown field \"colour\"", e.Message);
    }

    /// <summary>The implementation before Native AOT (untyped deserializer, JSON-compatible serializer, re-indented).</summary>
    private static string OldJson(string node, Resource r)
    {
        var m = r.Metadata;
        string? Time(Google.Protobuf.WellKnownTypes.Timestamp? t) =>
            t is null ? null : t.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var metadata = new Dictionary<string, object?>
        {
            ["namespace"] = m.Namespace, ["type"] = m.Type, ["id"] = m.Id, ["version"] = m.Version, ["owner"] = m.Owner, ["phase"] = m.Phase,
            ["created"] = Time(m.Created), ["updated"] = Time(m.Updated),
        };
        var spec = string.IsNullOrWhiteSpace(r.Spec?.YamlSpec) ? null : new DeserializerBuilder().Build().Deserialize<object?>(r.Spec.YamlSpec);
        var doc = new Dictionary<string, object?> { ["node"] = node, ["metadata"] = metadata, ["spec"] = spec };
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(doc);
        return System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(json).RootElement,
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    [Theory]
    [InlineData("")]
    [InlineData("slot: A\nimageVersion: v1.2.0\nbooted: true\npriority: 2\n")]
    [InlineData("a: null\nb: ~\nc:\nd: 'null'\ne: \"~\"\nf: Null\n")]
    [InlineData("list:\n- 1\n- two\n- {x: y}\n- []\nempty: {}\nnested:\n  deeper:\n    deepest: <html> & \"quotes\" ünï\n")]
    [InlineData("- a\n- b\n")]
    [InlineData("just a scalar\n")]
    [InlineData("peerURLs:\n    - https://127.0.9.1:2380\nclientURLs: []\nisLearner: false\n")]
    [InlineData("anchor: &x {k: v}\nalias: *x\nmulti: |\n  line one\n  line two\n")]
    public void Resource_json_is_the_old_rendering(string yamlSpec)
    {
        var r = new Resource
        {
            Metadata = new Metadata
            {
                Namespace = "runtime", Type = "BootSlots.runtime.talos.dev", Id = "A", Version = "3", Owner = "BootSlotController", Phase = "running",
                Created = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero)),
            },
            Spec = new Spec { YamlSpec = yamlSpec },
        };
        Assert.Equal(OldJson("127.0.9.1", r), ResourceFormat.Json("127.0.9.1", r));
    }
}
