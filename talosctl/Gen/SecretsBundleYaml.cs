using System.Text;
using Talos.Core.Config.Yaml;
using Talos.Core.Errors;
using Talos.Core.Pki;

namespace Talos.Ctl.Gen;

/// <summary>
/// secrets.yaml (upstream's <c>talosctl gen secrets</c> file): field names as upstream, certificates and keys as
/// base64 of PEM. Writing is deterministic (fixed key order); reading checks every field and reports all problems.
/// Format: specs/formats/secrets-bundle.md.
/// </summary>
public static class SecretsBundleYaml
{
    /// <summary>The YAML text of a bundle.</summary>
    public static string Write(SecretsBundle b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var root = Map(
            ("cluster", Map(("id", S(b.ClusterId)), ("secret", S(b.ClusterSecret)))),
            ("secrets", Map(("bootstraptoken", S(b.BootstrapToken)), ("secretboxencryptionsecret", S(b.SecretboxEncryptionSecret)))),
            ("trustdinfo", Map(("token", S(b.TrustdToken)))),
            ("certs", Map(
                ("etcd", Pair(b.Certs.Etcd)),
                ("k8s", Pair(b.Certs.K8s)),
                ("k8saggregator", Pair(b.Certs.K8sAggregator)),
                ("k8sserviceaccount", Map(("key", S(B64(b.Certs.K8sServiceAccountKey))))),
                ("os", Pair(b.Certs.Os)))));
        return YamlText.Write([root]);
    }

    /// <summary>Reads and checks a bundle; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="SecretsBundleException">Missing or malformed fields, or a CA whose key does not match.</exception>
    public static SecretsBundle Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var problems = new List<string>();
        YMap root;
        try
        {
            var docs = YamlText.Parse(yaml).Where(d => d is not YScalar { IsNull: true }).ToList();
            root = docs is [YMap m] ? m : throw new SecretsBundleException(source, ["the file must hold one YAML map"]);
        }
        catch (ConfigParseException e)
        {
            throw new SecretsBundleException(source, [e.Issues[0].ToString()]);
        }
        var r = new Reader(root, problems);
        var bundle = new SecretsBundle(r.Str("cluster.id"), r.Str("cluster.secret"), r.Token("secrets.bootstraptoken"),
            r.Str("secrets.secretboxencryptionsecret"), r.Token("trustdinfo.token"),
            new BundleCerts(r.Ca("certs.etcd"), r.Ca("certs.k8s"), r.Ca("certs.k8saggregator"),
                r.Key("certs.k8sserviceaccount.key"), r.Ca("certs.os")));
        if (problems.Count > 0)
            throw new SecretsBundleException(source, problems);
        return bundle;
    }

    private static YScalar S(string v) => YScalar.Str(v);

    private static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    private static YMap Pair(PemPair p) => Map(("crt", S(B64(p.Crt))), ("key", S(B64(p.Key))));

    private static YMap Map(params (string Key, YNode Value)[] entries) =>
        new(entries.Select(e => new YEntry(e.Key, e.Value)).ToList());

    /// <summary>Reads dotted paths, collecting problems instead of stopping at the first.</summary>
    private sealed class Reader(YMap root, List<string> problems)
    {
        internal string Str(string path)
        {
            YNode? node = root;
            foreach (var part in path.Split('.'))
                node = (node as YMap)?.Get(part);
            if (node is YScalar { IsNull: false } s && s.Value.Length > 0)
                return s.Value;
            problems.Add($"{path}: missing");
            return "";
        }

        internal string Token(string path)
        {
            var v = Str(path);
            if (v.Length > 0 && !Tokens.IsValid(v))
                problems.Add($"{path}: \"{v}\" is not a token of the form [a-z0-9]{{6}}.[a-z0-9]{{16}}");
            return v;
        }

        internal string Key(string path)
        {
            var pem = Pem(path);
            if (pem.Length > 0)
                Check(path, () => PemCodec.ReadPrivateKey(pem, path));
            return pem;
        }

        internal PemPair Ca(string path)
        {
            var pair = new PemPair(Pem(path + ".crt"), Pem(path + ".key"));
            if (pair.Crt.Length > 0 && pair.Key.Length > 0)
                Check(path, () => CertificateAuthority.FromPem(pair.Crt, pair.Key));
            return pair;
        }

        private string Pem(string path)
        {
            var v = Str(path);
            if (v.Length == 0)
                return "";
            var buf = new byte[v.Length];
            if (Convert.TryFromBase64String(v, buf, out var n))
                return Encoding.UTF8.GetString(buf, 0, n);
            problems.Add($"{path}: not base64 (expected base64 of a PEM block)");
            return "";
        }

        private void Check(string path, Action read)
        {
            try
            {
                read();
            }
            catch (PkiFormatException e)
            {
                problems.Add($"{path}: {e.Reason}");
            }
        }
    }
}
