using System.CommandLine;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Talos.Upgrade.Images;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl image sign</c> and <c>image verify</c>: cosign "simple signing" signatures (the <c>sha256-…sig</c> tag
/// beside the image), with ECDSA P-256 or Ed25519 keys in PEM, as <c>cosign sign --key</c> / <c>cosign verify --key</c>.
/// </summary>
public static class ImageSignatureCommands
{
    /// <summary><c>image sign &lt;image&gt; --key cosign.key</c>: signs an image of the local store.</summary>
    public static Command Sign(CliContext io, Option<string> store)
    {
        var image = new Argument<string>("image") { Description = "an image in the local store" };
        var key = new Option<string>("--key") { Description = "private key (PEM: EC P-256 or Ed25519)", Required = true };
        var cmd = new Command("sign", "Sign an image of the local store (cosign simple signing)") { image, key };
        cmd.SetAction((r, ct) => ImageCommand.Guard(io, async () =>
        {
            var reference = ImageCommand.Reference(r.GetValue(image)!, "image");
            var (privateKey, publicKey) = ReadPrivate(r.GetValue(key)!);
            var digest = await CosignSignatures.SignAsync(new LocalLayoutStore(r.GetValue(store)!), reference, privateKey, ct);
            io.Out.WriteLine($"signed {reference}@{digest} with key {SigningKeys.Fingerprint(publicKey)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// <c>image verify &lt;image&gt; --key cosign.pub [--remote]</c>: exit 0 and cosign's check list when a trusted key
    /// signed the image's manifest digest; exit 1 with the reason (unsigned, wrong key, tampered payload) otherwise.
    /// </summary>
    public static Command Verify(CliContext io, Option<string> store)
    {
        var image = new Argument<string>("image") { Description = "the image to verify (by tag or digest)" };
        var key = new Option<string[]>("--key") { Description = "trusted public key (PEM); repeat for several", Required = true, AllowMultipleArgumentsPerToken = false };
        var remote = new Option<bool>("--remote") { Description = "verify the image in its registry instead of the local store" };
        var cmd = new Command("verify", "Verify an image's cosign signature against public keys") { image, key, remote };
        cmd.SetAction((r, ct) => ImageCommand.Guard(io, async () =>
        {
            var reference = ImageCommand.Reference(r.GetValue(image)!, "image");
            var keys = r.GetValue(key)!.Select(ReadPublic).ToList();
            using var http = ImageRegistryCommands.Http();
            IImageSource source = r.GetValue(remote)
                ? new RegistryImageSource(http, RegistryMirrors.None)
                : new LocalLayoutStore(r.GetValue(store)!);
            var manifest = await source.GetManifestAsync(reference, ct);
            var signer = await new SignatureVerifier(keys).VerifyAsync(source, reference, manifest.Digest, ct);
            io.Out.WriteLine($"Verification for {reference}@{manifest.Digest} --");
            io.Out.WriteLine("The following checks were performed on each of these signatures:");
            io.Out.WriteLine("  - The cosign claims were validated");
            io.Out.WriteLine("  - The signatures were verified against the specified public key");
            io.Out.WriteLine($"signed by key {signer}");
            return 0;
        }));
        return cmd;
    }

    private static string ReadKeyFile(string path, string what) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new Client.UsageException($"--key: {what} file \"{path}\" does not exist");

    private static AsymmetricKeyParameter ReadPublic(string path)
    {
        try
        {
            return SigningKeys.ParsePublicPem(ReadKeyFile(path, "public key"));
        }
        catch (ArgumentException e)
        {
            throw new Client.UsageException($"--key {path}: {e.Message}");
        }
    }

    /// <summary>Reads "EC PRIVATE KEY" (a key pair) or PKCS#8 "PRIVATE KEY"; the public half names the signer.</summary>
    private static (AsymmetricKeyParameter Private, AsymmetricKeyParameter Public) ReadPrivate(string path)
    {
        object? o;
        try { o = new PemReader(new StringReader(ReadKeyFile(path, "private key"))).ReadObject(); }
        catch (Exception e) when (e is IOException or PemException) { throw new Client.UsageException($"--key {path}: not a PEM private key ({e.Message})"); }
        return o switch
        {
            AsymmetricCipherKeyPair pair => (pair.Private, pair.Public),
            Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters ed => (ed, ed.GeneratePublicKey()),
            Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters ec => (ec, PublicOf(ec)),
            _ => throw new Client.UsageException($"--key {path}: not an EC P-256 or Ed25519 private key in PEM"),
        };
    }

    private static AsymmetricKeyParameter PublicOf(Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters ec)
    {
        var q = ec.Parameters.G.Multiply(ec.D).Normalize();
        // Keep the named curve (P-256's OID) so the fingerprint equals the one of the PEM public key.
        return ec.PublicKeyParamSet is { } oid
            ? new Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters(ec.AlgorithmName, q, oid)
            : new Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters(ec.AlgorithmName, q, ec.Parameters);
    }
}
