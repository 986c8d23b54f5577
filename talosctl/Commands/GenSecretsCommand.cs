using System.CommandLine;
using Talos.Core.Pki;
using Talos.Ctl.Client;
using Talos.Ctl.Gen;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl gen secrets [-o secrets.yaml] [--force]</c>.</summary>
public static class GenSecretsCommand
{
    /// <summary>Upstream's default output file.</summary>
    public const string DefaultFile = "secrets.yaml";

    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io, Func<PkiContext> pki)
    {
        var output = new Option<string>("--output-file", "-o")
        {
            Description = "path of the output file",
            DefaultValueFactory = _ => DefaultFile,
        };
        var force = new Option<bool>("--force") { Description = "overwrite the output file if it exists" };
        var cmd = new Command("secrets", "Generates a secrets bundle file which can later be used to generate a config") { output, force };
        cmd.SetAction(r => GenCommand.Guard(io, () =>
        {
            var path = r.GetValue(output)!;
            if (string.IsNullOrWhiteSpace(path)) throw new UsageException("--output-file is empty: name the file to write, e.g. -o secrets.yaml");
            if (!r.GetValue(force) && (File.Exists(path) || Directory.Exists(path)))
                throw new OutputExistsException(path);
            var bundle = SecretsBundle.Generate(pki());
            OutputFiles.Write([(path, SecretsBundleYaml.Write(bundle))], force: true);
            return 0;
        }));
        return cmd;
    }
}
