using FsCheck;
using FsCheck.Fluent;
using Talos.Core.Config;
using Talos.Core.Config.Yaml;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.ConfigTests;

/// <summary>Issue 4 laws: serialise/parse round-trips; merge with an empty patch is identity; add-then-remove restores.</summary>
public sealed class ConfigPropertyTests
{
    private static readonly FsCheck.Config Cfg = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(200);

    [Fact]
    public void Serialise_then_parse_round_trips()
    {
        Check.One(Cfg, Prop.ForAll(ConfigGen.Arb, c =>
        {
            var yaml = c.ToYaml();
            var back = MachineConfig.Parse(yaml);
            return (back.Equals(c) && back.ToYaml() == yaml && back.Digest == c.Digest).Label(yaml);
        }));
    }

    [Fact]
    public void Strategic_merge_with_an_empty_patch_is_identity()
    {
        var empty = ConfigPatch.Parse("{}");
        Check.One(Cfg, Prop.ForAll(ConfigGen.Arb, c => c.ApplyPatches([empty]).Equals(c) && c.ApplyPatches([]).Equals(c)));
    }

    [Fact]
    public void Json_patch_add_then_remove_restores()
    {
        // Add a new key at a random existing map path of the document, then remove it again.
        var input = ConfigGen.Configs.Zip(Gen.Choose(0, 1000)).ToArbitrary();
        Check.One(Cfg, Prop.ForAll(input, t =>
        {
            var (c, pick) = t;
            var doc = c.ToDocuments()[0];
            var maps = MapPointers(doc, "").ToList();
            var at = maps[pick % maps.Count];
            var path = at + "/zz~1new";
            var value = new YMap([new YEntry("k", YScalar.Str("v"))]);
            var added = JsonPatch.ApplyOp(doc, new JsonPatchOp("add", path, value), 0);
            var removed = JsonPatch.ApplyOp(added, new JsonPatchOp("remove", path), 0);
            return removed.SameAs(doc) && !added.SameAs(doc);
        }));
    }

    [Fact]
    public void Json_patch_insert_into_a_list_then_remove_restores()
    {
        var input = ConfigGen.Configs.Where(c => c.Machine?.CertSANs.Count > 0).Zip(Gen.Choose(0, 10)).ToArbitrary();
        Check.One(Cfg, Prop.ForAll(input, t =>
        {
            var (c, i) = t;
            var idx = i % (c.Machine!.CertSANs.Count + 1);
            var p = new JsonPatch([new("add", $"/machine/certSANs/{idx}", YScalar.Str("new.example.com")), new("remove", $"/machine/certSANs/{idx}")]);
            return c.ApplyPatches([p]).Equals(c);
        }));
    }

    private static IEnumerable<string> MapPointers(YNode n, string prefix)
    {
        if (n is YMap m)
        {
            yield return prefix;
            foreach (var e in m.Entries)
                foreach (var p in MapPointers(e.Value, prefix + "/" + e.Key.Replace("~", "~0").Replace("/", "~1")))
                    yield return p;
        }
        else if (n is YSeq s)
        {
            for (var i = 0; i < s.Items.Count; i++)
                foreach (var p in MapPointers(s.Items[i], prefix + "/" + i))
                    yield return p;
        }
    }
}
