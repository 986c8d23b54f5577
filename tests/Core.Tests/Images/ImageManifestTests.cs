using System.Text;
using Talos.Core.Errors;
using Talos.Core.Images;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.Images;

public sealed class ImageManifestTests
{
    private static readonly ImageManifest M = new("v1.10.2", "amd64", new BlobInfo(Ev.Digest('a'), 1024),
        new BlobInfo(Ev.Digest('b'), 2048), ServiceProfile.KubeletNeverHealthy, new ImageSignature("k1", "ed25519", "c2ln"));

    [Fact]
    public void Golden_json_and_round_trip()
    {
        Assert.Equal(
            "{\"architecture\":\"amd64\",\"initramfs\":{\"digest\":\"" + Ev.Digest('b') + "\",\"size\":2048}," +
            "\"kernel\":{\"digest\":\"" + Ev.Digest('a') + "\",\"size\":1024},\"profile\":\"kubelet-never-healthy\"," +
            "\"signature\":{\"algorithm\":\"ed25519\",\"keyId\":\"k1\",\"value\":\"c2ln\"},\"version\":\"v1.10.2\"}", M.ToJson());
        Assert.Equal(M, ImageManifest.Parse(M.ToJsonBytes()));
        Assert.DoesNotContain("signature", Encoding.UTF8.GetString(M.SigningPayload()));
    }

    [Theory]
    [InlineData("healthy", ServiceProfile.Healthy)]
    [InlineData("kubelet-never-healthy", ServiceProfile.KubeletNeverHealthy)]
    [InlineData("machined-fails-at-boot", ServiceProfile.MachinedFailsAtBoot)]
    [InlineData("boot-hangs", ServiceProfile.BootHangs)]
    [InlineData("panic-before-machined", ServiceProfile.PanicBeforeMachined)]
    public void Profiles_have_stable_names(string name, ServiceProfile p)
    {
        Assert.Equal(name, ImageManifest.ProfileName(p));
        Assert.Equal(p, ImageManifest.ParseProfile(name));
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("[]", "$")]
    [InlineData("{\"architecture\":\"amd64\",\"extra\":1}", "$.extra")]
    [InlineData("{\"architecture\":\"amd64\"}", "$.version")]
    [InlineData("{\"version\":\"1.2\",\"architecture\":\"amd64\"}", "$.version")]
    [InlineData("{\"version\":\"v1.2.3\",\"architecture\":\"s390x\"}", "$.architecture")]
    [InlineData("{\"version\":\"v1.2.3\",\"architecture\":\"arm64\",\"profile\":\"sad\"}", "$.profile")]
    [InlineData("{\"version\":\"v1.2.3\",\"architecture\":\"arm64\",\"profile\":\"healthy\"}", "$.kernel")]
    [InlineData("{\"version\":\"v1.2.3\",\"architecture\":\"arm64\",\"profile\":\"healthy\",\"kernel\":{\"digest\":\"AB\",\"size\":1}}", "$.kernel.digest")]
    public void Bad_manifests_name_the_offending_field(string json, string field)
    {
        var ex = Assert.Throws<ImageManifestException>(() => ImageManifest.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(field, ex.Field);
        Assert.Equal(ErrorCode.InvalidArgument, ex.Code);
    }
}
