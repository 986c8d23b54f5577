using Org.BouncyCastle.Security;
using Talos.Core.Config;
using Talos.Core.Errors;
using Talos.Core.Pki;
using Talos.Ctl.Config;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Cluster;

/// <summary>
/// The configs a local cluster is created with: generated (fresh secrets, the cluster's defaults, then the user's
/// patches) or, with <c>--input-dir</c>, the files a previous <c>talosctl gen config</c> wrote, as upstream.
/// </summary>
public static class ClusterConfigs
{
    /// <summary>The defaults a local cluster adds before the user's patches: a short health deadline keeps demos quick.</summary>
    public const string DefaultPatch = "machine:\n  upgrade:\n    tries: 3\n    healthDeadline: 20s\n";

    /// <summary>Generates (endpoint: the first control plane) or reads the configs; returns them and the context name.</summary>
    /// <exception cref="ClusterException">An input file is missing or invalid, or patches were given with --input-dir.</exception>
    public static (GeneratedConfigs Configs, string ContextName) For(ClusterCreateOptions o, string firstControlPlane, string tag)
    {
        if (o.InputDir is { } dir) return Read(o, dir);
        var pki = new PkiContext(TimeProvider.System, new SecureRandom());
        var input = GenConfigInput.Defaults(o.Name, $"https://{firstControlPlane}:6443", tag) with
        {
            InstallImage = o.Image ?? $"{GenConfigInput.InstallerRepository}:{tag}",
            // The cluster's defaults first, so that the user's --config-patch wins (e.g. a shorter health deadline).
            Patches = [ConfigPatch.Parse(DefaultPatch), .. o.Patches],
            ControlPlanePatches = o.ControlPlanePatches,
            WorkerPatches = o.WorkerPatches,
        };
        try
        {
            return (ConfigGenerator.Generate(input, SecretsBundle.Generate(pki), pki), o.Name);
        }
        catch (TalosException e)
        {
            throw new ClusterException($"generating the cluster's configs: {e.Message}");
        }
    }

    private static (GeneratedConfigs, string) Read(ClusterCreateOptions o, string dir)
    {
        if (o.Patches.Count + o.ControlPlanePatches.Count + o.WorkerPatches.Count > 0)
            throw new ClusterException("--input-dir takes the configs as they are: patch them with \"talosctl gen config --config-patch\" instead of passing --config-patch here");
        var cp = Machine(dir, "controlplane.yaml");
        var worker = Machine(dir, "worker.yaml");
        var talosconfigPath = Path.Combine(dir, "talosconfig");
        if (!File.Exists(talosconfigPath)) throw new ClusterException($"--input-dir: {talosconfigPath} does not exist (run \"talosctl gen config\" with --output-dir {dir})");
        var talosconfig = TalosConfig.Load(talosconfigPath);
        talosconfig.Resolve(null, out var context);
        return (new GeneratedConfigs(cp, worker, talosconfig), context);
    }

    private static MachineConfig Machine(string dir, string file)
    {
        var path = Path.Combine(dir, file);
        if (!File.Exists(path)) throw new ClusterException($"--input-dir: {path} does not exist (run \"talosctl gen config\" with --output-dir {dir})");
        try
        {
            return MachineConfig.Parse(File.ReadAllText(path)).EnsureValid();
        }
        catch (TalosException e)
        {
            throw new ClusterException($"--input-dir: {path}: {e.Message}");
        }
    }
}
