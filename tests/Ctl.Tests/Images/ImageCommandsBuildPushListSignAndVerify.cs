using Org.BouncyCastle.Security;
using Talos.Ctl.Tests.EndToEnd;
using Talos.Upgrade.Images;
using Xunit.Abstractions;

namespace Talos.Ctl.Tests.Images;

/// <summary><c>talosctl image build|push|list|sign|verify</c> against a local store and a real registry (docker-registry).</summary>
public sealed class ImageCommandsBuildPushListSignAndVerify(LocalRegistry registry, ITestOutputHelper output) : IClassFixture<LocalRegistry>, IDisposable
{
    private const string Repo = "ghcr.io/siderolabs/installer";
    private readonly string _dir = Directory.CreateTempSubdirectory("talosctl-image-").FullName;
    private string Store => Path.Combine(_dir, "store");
    private E2eCli Cli => new(Path.Combine(_dir, "talosconfig"), output);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<CliResult> Image(params string[] args) => Cli.Run(["image", "--store", Store, .. args]);

    private static string DigestOf(CliResult built) => built.Out.Split(' ', '\n')[2];

    private (string Private, string Public) KeyPair(string name)
    {
        var pair = SigningKeys.GenerateEcdsaP256(new SecureRandom());
        var (priv, pub) = (Path.Combine(_dir, name + ".key"), Path.Combine(_dir, name + ".pub"));
        File.WriteAllText(priv, SigningKeys.ToPem(pair.Private));
        File.WriteAllText(pub, SigningKeys.ToPem(pair.Public));
        return (priv, pub);
    }

    [Fact]
    public async Task Generated_builds_are_deterministic_carry_their_profile_and_are_listed()
    {
        var a = await Image("build", $"{Repo}:v0.3.0", "--size", "1MiB", "--seed", "7");
        Assert.True(a.Rc == 0, a.ToString());
        Assert.Matches(@"^built ghcr\.io/siderolabs/installer:v0\.3\.0 sha256:[0-9a-f]{64}\n  version v0\.3\.0 \(amd64\), profile healthy; vmlinuz 131072 bytes, initramfs\.xz 917504 bytes\n$", a.Out);
        var again = await Image("build", $"{Repo}:v0.3.0-again", "--size", "1MiB", "--seed", "7");
        var faulty = await Image("build", $"{Repo}:v0.3.0-faulty", "--size", "1MiB", "--seed", "7", "--profile", "kubelet-never-healthy");
        Assert.Equal(DigestOf(a), DigestOf(again));
        Assert.NotEqual(DigestOf(a), DigestOf(faulty));
        var stored = await InstallerImage.ResolveAsync(new LocalLayoutStore(Store), ImageReference.Parse($"{Repo}:v0.3.0-faulty"), default);
        Assert.Equal("kubelet-never-healthy", stored.Config.ServiceProfile);

        var list = await Image("list");
        Assert.Equal(0, list.Rc);
        Assert.Equal(
            $"IMAGE                          TAG             DIGEST\n" +
            $"{Repo}   v0.3.0          {DigestOf(a)}\n{Repo}   v0.3.0-again    {DigestOf(a)}\n{Repo}   v0.3.0-faulty   {DigestOf(faulty)}\n",
            list.Out.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task Builds_from_kernel_and_initramfs_files()
    {
        var (kernel, initramfs) = (Path.Combine(_dir, "vmlinuz"), Path.Combine(_dir, "initramfs.xz"));
        File.WriteAllBytes(kernel, Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray());
        File.WriteAllBytes(initramfs, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        var r = await Image("build", $"{Repo}:v0.4.0", "--kernel", kernel, "--initramfs", initramfs);
        Assert.True(r.Rc == 0, r.ToString());
        Assert.Contains("vmlinuz 3000 bytes, initramfs.xz 5000 bytes", r.Out);
        var stored = await InstallerImage.ResolveAsync(new LocalLayoutStore(Store), ImageReference.Parse($"{Repo}:v0.4.0"), default);
        Assert.Equal(DigestOf(r), stored.ManifestDigest);
    }

    [Fact]
    public async Task Bad_build_input_is_one_clear_line_and_builds_nothing()
    {
        var missing = await Image("build", $"{Repo}:v0.5.0", "--kernel", Path.Combine(_dir, "nope"), "--initramfs", Path.Combine(_dir, "nope2"));
        Assert.Equal(1, missing.Rc);
        Assert.Equal($"error: kernel file {Path.Combine(_dir, "nope")} does not exist\n", missing.Err);
        var untagged = await Image("build", $"{Repo}@sha256:{new string('0', 64)}");
        Assert.Equal(1, untagged.Rc);
        Assert.Contains("needs a tag", untagged.Err);
        Assert.Equal("IMAGE   TAG   DIGEST\n", (await Image("list")).Out);
    }

    [Fact]
    public async Task Push_then_list_the_registry_and_verify_the_signature_there()
    {
        var built = await Image("build", $"{Repo}:v0.6.0", "--size", "256KiB");
        var (key, pub) = KeyPair("cosign");
        var signed = await Image("sign", $"{Repo}:v0.6.0", "--key", key);
        Assert.True(signed.Rc == 0, signed.ToString());
        var target = $"{registry.Address}/siderolabs/installer:v0.6.0";
        var push = await Image("push", $"{Repo}:v0.6.0", target);
        Assert.True(push.Rc == 0, push.ToString());
        Assert.Equal($"pushed {Repo}:v0.6.0 to {target}@{DigestOf(built)} (with its signature)\n", push.Out);

        var list = await Image("list", "--remote", $"{registry.Address}/siderolabs/installer");
        Assert.True(list.Rc == 0, list.ToString());
        Assert.Matches($@"{registry.Address}/siderolabs/installer\s+v0\.6\.0\s+{DigestOf(built)}", list.Out);
        Assert.Matches($@"sha256-{DigestOf(built)[7..]}\.sig", list.Out);

        var ok = await Image("verify", target, "--key", pub, "--remote");
        Assert.True(ok.Rc == 0, ok.ToString());
        Assert.StartsWith($"Verification for {target}@{DigestOf(built)} --\n", ok.Out);
        var (_, otherPub) = KeyPair("other");
        var wrong = await Image("verify", target, "--key", otherPub, "--remote");
        Assert.Equal(1, wrong.Rc);
        Assert.Contains("not from a trusted key", wrong.Err);
    }

    [Fact]
    public async Task Unsigned_images_and_bad_keys_fail_verification_with_the_reason()
    {
        await Image("build", $"{Repo}:v0.7.0", "--size", "64KiB");
        var (key, pub) = KeyPair("k");
        var unsigned = await Image("verify", $"{Repo}:v0.7.0", "--key", pub);
        Assert.Equal(1, unsigned.Rc);
        Assert.Contains("not signed", unsigned.Err);
        var notAKey = await Image("verify", $"{Repo}:v0.7.0", "--key", key);
        Assert.Equal(1, notAKey.Rc);
        Assert.StartsWith($"error: --key {key}:", notAKey.Err);
        Assert.Equal(0, (await Image("sign", $"{Repo}:v0.7.0", "--key", key)).Rc);
        var ok = await Image("verify", $"{Repo}:v0.7.0", "--key", pub);
        Assert.True(ok.Rc == 0, ok.ToString());
    }

    [Fact]
    public async Task A_registry_that_is_down_is_named()
    {
        await Image("build", $"{Repo}:v0.8.0", "--size", "64KiB");
        var r = await Image("push", $"{Repo}:v0.8.0", $"{LocalRegistry.Host}:1/siderolabs/installer:v0.8.0");
        Assert.Equal(1, r.Rc);
        Assert.Contains($"http://{LocalRegistry.Host}:1/", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }
}
