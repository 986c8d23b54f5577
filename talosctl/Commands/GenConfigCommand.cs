using System.CommandLine;
using Talos.Core.Pki;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl gen config &lt;cluster-name&gt; &lt;cluster-endpoint&gt;</c>: writes controlplane.yaml, worker.yaml and
/// talosconfig into the output directory. Everything is generated and validated before any file is touched, so a
/// bad patch or an existing file (without <c>--force</c>) leaves the directory unchanged.
/// </summary>
public static class GenConfigCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io, Func<PkiContext> pki)
    {
        var name = new Argument<string>("cluster-name");
        var endpoint = new Argument<string>("cluster-endpoint");
        var outDir = new Option<string>("--output-dir", "--output", "-o") { Description = "destination directory of the generated files", DefaultValueFactory = _ => "." };
        var patch = Multi("--config-patch", "patch generated machineconfigs (applied to all node types), use @file to read a patch from file");
        var patchCp = Multi("--config-patch-control-plane", "patch generated machineconfigs (applied to 'controlplane' type)");
        var patchWorker = Multi("--config-patch-worker", "patch generated machineconfigs (applied to 'worker' type)");
        var withSecrets = new Option<string?>("--with-secrets") { Description = "use a secrets file generated using 'gen secrets'" };
        var installImage = new Option<string?>("--install-image") { Description = $"the image used to perform an installation (default {GenConfigInput.InstallerRepository}:{VersionCommand.Tag})" };
        var installDisk = new Option<string>("--install-disk") { Description = "the disk to install to", DefaultValueFactory = _ => GenConfigInput.DefaultInstallDisk };
        var k8sVersion = new Option<string>("--kubernetes-version") { Description = "desired kubernetes version to run", DefaultValueFactory = _ => GenConfigInput.DefaultKubernetesVersion };
        var force = new Option<bool>("--force") { Description = "will overwrite existing files" };
        var cmd = new Command("config", "Generates a set of configuration files for Talos cluster")
        {
            name, endpoint, outDir, patch, patchCp, patchWorker, withSecrets, installImage, installDisk, k8sVersion, force,
        };
        cmd.SetAction(r => GenCommand.Guard(io, () =>
        {
            var input = new GenConfigInput(r.GetValue(name)!, r.GetValue(endpoint)!,
                r.GetValue(installImage) ?? $"{GenConfigInput.InstallerRepository}:{VersionCommand.Tag}",
                r.GetValue(installDisk)!, r.GetValue(k8sVersion)!,
                PatchLoader.Load(r.GetValue(patch), "--config-patch"),
                PatchLoader.Load(r.GetValue(patchCp), "--config-patch-control-plane"),
                PatchLoader.Load(r.GetValue(patchWorker), "--config-patch-worker"));
            return Run(io, input, r.GetValue(outDir)!, r.GetValue(withSecrets), r.GetValue(force), pki);
        }));
        return cmd;
    }

    private static int Run(CliContext io, GenConfigInput input, string dir, string? secretsFile, bool force, Func<PkiContext> pki)
    {
        ConfigGenerator.CheckInput(input);
        var files = new[] { "controlplane.yaml", "worker.yaml", "talosconfig" }.Select(f => Path.Combine(dir, f)).ToArray();
        if (!force)
        {
            // Checked before generating so that the user learns it at once, and again by OutputFiles.Write.
            foreach (var f in files.Where(f => File.Exists(f) || Directory.Exists(f)))
                throw new OutputExistsException(f);
        }
        var context = pki();
        SecretsBundle secrets;
        if (secretsFile is null)
        {
            io.Err.WriteLine("generating PKI and tokens");
            secrets = SecretsBundle.Generate(context);
        }
        else
        {
            secrets = SecretsBundleYaml.Parse(File.Exists(secretsFile)
                ? File.ReadAllText(secretsFile)
                : throw new GenInputException("--with-secrets", $"--with-secrets: file \"{secretsFile}\" does not exist"), secretsFile);
        }
        var generated = ConfigGenerator.Generate(input, secrets, context);
        var written = OutputFiles.Write(
        [
            (files[0], generated.ControlPlane.ToYaml()),
            (files[1], generated.Worker.ToYaml()),
            (files[2], generated.TalosConfig.ToYaml()),
        ], force);
        foreach (var f in written)
            io.Err.WriteLine($"Created {f}");
        return 0;
    }

    private static Option<string[]> Multi(string flag, string description) => new(flag)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
    };
}
