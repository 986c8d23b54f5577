using System.CommandLine;
using Talos.Core.Errors;
using Talos.Upgrade.Images;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl image build|push|list|sign|verify</c>: installer images in a local OCI layout store (the one
/// <c>cluster create</c> gives its nodes with <c>--image-store</c>) and in registries. Offline commands: they use the
/// upgrade library's image code directly, never a node (ARCHITECTURE.md exception for talosctl).
/// </summary>
public static class ImageCommand
{
    /// <summary>Builds the command tree.</summary>
    public static Command Build(CliContext io)
    {
        var store = new Option<string>("--store")
        {
            Description = "local image store (OCI layouts; a cluster's is <state>/<name>/images)",
            DefaultValueFactory = _ => DefaultStore(),
            Recursive = true,
        };
        var cmd = new Command("image", "Build, push, list, sign and verify installer images") { store };
        cmd.Subcommands.Add(BuildCommand(io, store));
        cmd.Subcommands.Add(ImageRegistryCommands.Push(io, store));
        cmd.Subcommands.Add(ImageRegistryCommands.List(io, store));
        cmd.Subcommands.Add(ImageSignatureCommands.Sign(io, store));
        cmd.Subcommands.Add(ImageSignatureCommands.Verify(io, store));
        return cmd;
    }

    /// <summary>$TALOS_IMAGE_STORE or ~/.talos/images.</summary>
    public static string DefaultStore() =>
        Environment.GetEnvironmentVariable("TALOS_IMAGE_STORE") is { Length: > 0 } env ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".talos", "images");

    /// <summary>Parses an image reference; a clear usage error otherwise.</summary>
    public static ImageReference Reference(string text, string what) =>
        ImageReference.TryParse(text, out var r) && r is not null ? r : throw new Client.UsageException($"{what}: \"{text}\" is not an image reference (e.g. ghcr.io/siderolabs/installer:v1.7.0)");

    /// <summary>Runs an image action; library errors (not found, bad digest, registry down, bad signature) become one line and exit 1.</summary>
    public static async Task<int> Guard(CliContext io, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (TalosException e)
        {
            io.Error(e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or Cluster.ClusterException)
        {
            io.Error(e.Message);
            return 1;
        }
    }

    private static Command BuildCommand(CliContext io, Option<string> store)
    {
        var image = new Argument<string>("image") { Description = "the reference to tag the image as, e.g. ghcr.io/siderolabs/installer:v0.1.2" };
        var kernel = new Option<string?>("--kernel") { Description = "kernel file (with --initramfs)" };
        var initramfs = new Option<string?>("--initramfs") { Description = "initramfs file (with --kernel)" };
        var size = new Option<string?>("--size") { Description = "without --kernel/--initramfs: size of a generated deterministic payload (default 8MiB)" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the generated payload", DefaultValueFactory = _ => 1 };
        var profile = new Option<string>("--profile") { Description = $"service profile the image boots with (fault injection): {string.Join(", ", InstallerConfig.KnownProfiles)}", DefaultValueFactory = _ => "healthy" };
        profile.AcceptOnlyFromAmong([.. InstallerConfig.KnownProfiles]);
        var version = new Option<string?>("--version") { Description = "Talos version the image reports (default: the tag up to its first '-')" };
        var arch = new Option<string>("--arch") { Description = "architecture", DefaultValueFactory = _ => "amd64" };
        var cmd = new Command("build", "Build an installer image into the local store") { image, kernel, initramfs, size, seed, profile, version, arch };
        cmd.SetAction((r, ct) => Guard(io, async () =>
        {
            var reference = Reference(r.GetValue(image)!, "image");
            if (reference.Tag is null || reference.Digest is not null) throw new Client.UsageException($"image: \"{reference}\" needs a tag (and no digest) to name the image it builds");
            var (k, i, s) = (r.GetValue(kernel), r.GetValue(initramfs), r.GetValue(size));
            if ((k is null) != (i is null)) throw new Client.UsageException("--kernel and --initramfs go together: pass both files, or neither for a generated payload");
            if (k is not null && s is not null) throw new Client.UsageException("--size is for generated payloads: drop it when building from --kernel and --initramfs");
            var config = new InstallerConfig(r.GetValue(version) ?? reference.Tag.Split('-')[0], r.GetValue(arch)!, r.GetValue(profile)!);
            var builder = new InstallerImageBuilder(new LocalLayoutStore(r.GetValue(store)!));
            var built = k is not null
                ? await builder.BuildFromFilesAsync(reference, config, k, i!, ct)
                : await builder.BuildGeneratedAsync(reference, config, Size.Parse(s ?? "8MiB"), r.GetValue(seed), ct);
            io.Out.WriteLine($"built {reference} {built.ManifestDigest}");
            io.Out.WriteLine($"  version {config.Version} ({config.Architecture}), profile {config.ServiceProfile}; " +
                $"{InstallerImageBuilder.KernelTitle} {built.Kernel.Size} bytes, {InstallerImageBuilder.InitramfsTitle} {built.Initramfs.Size} bytes");
            return 0;
        }));
        return cmd;
    }
}
