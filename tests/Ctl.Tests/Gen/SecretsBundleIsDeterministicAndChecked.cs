using System.Text;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Talos.Core.Pki;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Tests.Gen;

public sealed class SecretsBundleIsDeterministicAndChecked
{
    private static readonly SecretsBundle Bundle = SecretsBundle.Generate(GenHarness.Pki(7));

    [Fact]
    public void Same_seed_and_time_give_the_same_bytes_and_another_seed_differs()
    {
        var again = SecretsBundleYaml.Write(SecretsBundle.Generate(GenHarness.Pki(7)));
        Assert.Equal(SecretsBundleYaml.Write(Bundle), again);
        Assert.NotEqual(again, SecretsBundleYaml.Write(SecretsBundle.Generate(GenHarness.Pki(8))));
    }

    [Fact]
    public void Tokens_ids_and_keys_have_upstream_formats()
    {
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", Bundle.BootstrapToken);
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", Bundle.TrustdToken);
        Assert.NotEqual(Bundle.BootstrapToken, Bundle.TrustdToken);
        foreach (var b64 in new[] { Bundle.ClusterId, Bundle.ClusterSecret, Bundle.SecretboxEncryptionSecret })
            Assert.Equal(32, Convert.FromBase64String(b64).Length);
        var sa = Assert.IsType<ECPrivateKeyParameters>(PemCodec.ReadPrivateKey(Bundle.Certs.K8sServiceAccountKey));
        Assert.Equal(ECNamedCurveTable.GetOid("P-256"), sa.PublicKeyParamSet);
    }

    [Theory]
    [InlineData("os", "O=talos")]
    [InlineData("k8s", "O=kubernetes")]
    [InlineData("etcd", "O=etcd")]
    [InlineData("k8saggregator", "O=front-proxy")]
    public void Every_ca_is_a_self_signed_p256_ca_valid_for_ten_years(string which, string subject)
    {
        var pair = which switch
        {
            "os" => Bundle.Certs.Os, "k8s" => Bundle.Certs.K8s, "etcd" => Bundle.Certs.Etcd, _ => Bundle.Certs.K8sAggregator,
        };
        var ca = pair.ToAuthority();
        Assert.Equal(subject, ca.Certificate.SubjectDN.ToString());
        Assert.Equal(ca.Certificate.SubjectDN, ca.Certificate.IssuerDN);
        Assert.True(ca.Certificate.GetBasicConstraints() >= 0, "BasicConstraints CA");
        ca.Certificate.Verify(ca.Certificate.GetPublicKey());
        Assert.Equal("1.2.840.10045.4.3.2", ca.Certificate.SigAlgOid); // ecdsa-with-SHA256
        Assert.Equal(FixedTime.Epoch.UtcDateTime + CertificateAuthority.DefaultCaValidity, ca.Certificate.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void Yaml_has_upstream_keys_and_round_trips()
    {
        var yaml = SecretsBundleYaml.Write(Bundle);
        var keys = yaml.Split('\n').Where(l => l.Length > 0).Select(l => l.Split(':')[0]).ToArray();
        Assert.Equal(new[]
        {
            "cluster", "  id", "  secret", "secrets", "  bootstraptoken", "  secretboxencryptionsecret", "trustdinfo", "  token",
            "certs", "  etcd", "    crt", "    key", "  k8s", "    crt", "    key", "  k8saggregator", "    crt", "    key",
            "  k8sserviceaccount", "    key", "  os", "    crt", "    key",
        }, keys);
        var back = SecretsBundleYaml.Parse(yaml, "secrets.yaml");
        Assert.Equal(Bundle, back);
        Assert.Equal(yaml, SecretsBundleYaml.Write(back));
    }

    [Fact]
    public void A_broken_file_names_every_bad_field()
    {
        var other = SecretsBundle.Generate(GenHarness.Pki(9));
        var broken = Bundle with
        {
            BootstrapToken = "NOT-A-TOKEN",
            Certs = Bundle.Certs with { K8s = Bundle.Certs.K8s with { Key = other.Certs.K8s.Key } },
        };
        var yaml = SecretsBundleYaml.Write(broken).Replace("  secret: ", "  secretx: ", StringComparison.Ordinal);
        var e = Assert.Throws<SecretsBundleException>(() => SecretsBundleYaml.Parse(yaml, "s.yaml"));
        Assert.Equal(new[]
        {
            "cluster.secret: missing",
            "secrets.bootstraptoken: \"NOT-A-TOKEN\" is not a token of the form [a-z0-9]{6}.[a-z0-9]{16}",
            "certs.k8s: the key does not belong to the CA certificate",
        }, e.Problems);
        Assert.StartsWith("failed to load secrets bundle \"s.yaml\": cluster.secret: missing; ", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("- a\n- b\n")]
    [InlineData("cluster: [unclosed\n")]
    public void Non_map_or_invalid_yaml_is_rejected(string yaml)
    {
        var e = Assert.Throws<SecretsBundleException>(() => SecretsBundleYaml.Parse(yaml, "x.yaml"));
        Assert.Contains("x.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_base64_certificate_is_named()
    {
        var yaml = SecretsBundleYaml.Write(Bundle);
        var crt = Convert.ToBase64String(Encoding.UTF8.GetBytes(Bundle.Certs.Etcd.Crt));
        var e = Assert.Throws<SecretsBundleException>(() => SecretsBundleYaml.Parse(yaml.Replace(crt, "not*base64", StringComparison.Ordinal), "x"));
        Assert.Equal(new[] { "certs.etcd.crt: not base64 (expected base64 of a PEM block)" }, e.Problems);
    }
}
