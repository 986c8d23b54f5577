using FsCheck;
using FsCheck.Fluent;
using FGen = FsCheck.Fluent.Gen;
using FsCheck.Xunit;
using Org.BouncyCastle.Security;
using Talos.Core.Config.Yaml;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Tests.Gen;

public sealed class KubeconfigMergeProperties
{
    private static readonly SecretsBundle Bundle = SecretsBundle.Generate(GenHarness.Pki(31));

    // A small pool: two clusters, two endpoints, several client certificates; merges pick from it.
    private static readonly string[] Pool =
    [
        .. Enumerable.Range(0, 3).Select(i => AdminKubeconfig.Render(Bundle, "alpha", "https://10.0.0.1:6443", GenHarness.Pki(i))),
        AdminKubeconfig.Render(Bundle, "alpha", "https://10.0.0.2:6443", GenHarness.Pki(9)),
        .. Enumerable.Range(0, 2).Select(i => AdminKubeconfig.Render(Bundle, "beta", "https://10.0.0.3:6443", GenHarness.Pki(i))),
    ];

    [Property(MaxTest = 60)]
    public Property Any_merge_sequence_keeps_names_unique_references_resolvable_and_the_last_context_current()
    {
        var picks = FGen.ListOf(FGen.Choose(0, Pool.Length - 1)).Where(l => l.Count is > 0 and <= 6).ToArbitrary();
        return Prop.ForAll(picks, list =>
        {
            var yaml = "";
            string lastCurrent = "";
            foreach (var i in list)
            {
                var result = KubeconfigMerge.Merge(yaml, Pool[i]);
                yaml = result.Yaml;
                lastCurrent = Str(Root(yaml).Get("current-context"));
                var incomingName = Str(Root(Pool[i]).Get("current-context"));
                var renamed = result.Renames.FirstOrDefault(r => r.Kind == "context" && r.From == incomingName)?.To ?? incomingName;
                Assert.Equal(renamed, lastCurrent);
                // Nothing incoming is lost: the current context's user holds the incoming client certificate.
                var currentUser = Str(((YMap)Entry(Root(yaml), "contexts", lastCurrent).Get("context")!).Get("user"));
                Assert.Equal(ClientCert(Root(Pool[i]), Str(Root(Pool[i]).Get("current-context"))), ClientCert(Root(yaml), currentUser, byUser: true));
            }
            var root = Root(yaml);
            var clusters = Names(root, "clusters");
            var users = Names(root, "users");
            var contexts = Names(root, "contexts");
            Assert.Equal(clusters.Count, clusters.Distinct().Count());
            Assert.Equal(users.Count, users.Distinct().Count());
            Assert.Equal(contexts.Count, contexts.Distinct().Count());
            Assert.Contains(lastCurrent, contexts);
            foreach (var ctx in ((YSeq)root.Get("contexts")!).Items.Cast<YMap>().Select(c => (YMap)c.Get("context")!))
            {
                Assert.Contains(Str(ctx.Get("cluster")), clusters);
                Assert.Contains(Str(ctx.Get("user")), users);
            }
            // Merging the same file twice adds nothing the second time.
            Assert.Equal(yaml, KubeconfigMerge.Merge(yaml, yaml).Yaml);
        });
    }

    [Property(MaxTest = 200)]
    public bool Tokens_always_have_the_kubernetes_format(long seed)
    {
        var random = SecureRandom.GetInstance("SHA256PRNG", autoSeed: false);
        random.SetSeed(seed);
        return Tokens.IsValid(Tokens.Generate(random));
    }

    private static YMap Entry(YMap root, string section, string name) =>
        ((YSeq)root.Get(section)!).Items.Cast<YMap>().Single(e => Str(e.Get("name")) == name);

    // The client certificate of a user (byUser) or of the user a context points to.
    private static string ClientCert(YMap root, string name, bool byUser = false)
    {
        var user = byUser ? name : Str(((YMap)Entry(root, "contexts", name).Get("context")!).Get("user"));
        return Str(((YMap)Entry(root, "users", user).Get("user")!).Get("client-certificate-data"));
    }

    private static YMap Root(string yaml) => (YMap)YamlText.Parse(yaml)[0];

    private static string Str(YNode? n) => ((YScalar)n!).Value;

    private static List<string> Names(YMap root, string section) =>
        ((YSeq)root.Get(section)!).Items.Cast<YMap>().Select(e => Str(e.Get("name"))).ToList();
}
