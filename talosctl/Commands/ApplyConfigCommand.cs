using System.CommandLine;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Ctl.Client;
using Mode = Talos.Api.Machine.ApplyConfigurationRequest.Types.Mode;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl apply-config [--insecure] [-f file] [--config-patch @file|yaml]... [--mode] [--dry-run] [--timeout]</c>.
/// Without <c>--file</c> the node's current config (MachineConfigs v1alpha1) is patched, as upstream.
/// </summary>
public static class ApplyConfigCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var insecure = NodeOptions.Insecure();
        var file = new Option<string?>("--file", "-f") { Description = "the filename of the updated configuration" };
        var patches = new Option<string[]>("--config-patch", "-p") { Description = "the list of config patches to apply to the local config file before sending it to the node (@file or inline YAML)", AllowMultipleArgumentsPerToken = false };
        var mode = new Option<string>("--mode", "-m") { Description = "apply config mode", DefaultValueFactory = _ => "auto" };
        mode.AcceptOnlyFromAmong("auto", "no-reboot", "reboot", "staged", "try");
        var dryRun = new Option<bool>("--dry-run") { Description = "check how the config change will be applied in dry-run mode" };
        var timeout = GoDuration.Option("--timeout", "the config will be rolled back after specified timeout (if try mode is selected)", TimeSpan.FromMinutes(1));
        var fingerprints = new Option<string[]>("--cert-fingerprint") { Description = "list of server certificate fingerprints to accept with --insecure (defaults to no check)", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("apply-config", "Apply a new configuration to a node") { insecure, file, patches, mode, dryRun, timeout, fingerprints };
        cmd.SetAction(async (r, ct) =>
        {
            var patchList = (r.GetValue(patches) ?? []).Select(ConfigPatch.Load).ToList();
            var path = r.GetValue(file);
            if (path is null && patchList.Count == 0)
            {
                io.Error("no filename and no config patches: pass --file and/or --config-patch");
                return 1;
            }
            var local = path is null ? null : ReadConfig(path);
            var request = new ApplyConfigurationRequest { Mode = ParseMode(r.GetValue(mode)!), DryRun = r.GetValue(dryRun) };
            if (request.Mode == Mode.Try) request.TryModeTimeout = Duration.FromTimeSpan(r.GetValue(timeout));
            var pins = (r.GetValue(fingerprints) ?? []).Select(CertFingerprints.Parse).ToList();
            if (pins.Count > 0 && !r.GetValue(insecure)) throw new UsageException("--cert-fingerprint pins the maintenance-mode certificate: use it with --insecure");
            return await NodeOptions.RunAsync(r, g, r.GetValue(insecure), clients => FanOut.EachAsync(clients, io, async c =>
            {
                var baseYaml = local ?? await CurrentConfig(c, ct);
                request.Data = ByteString.CopyFromUtf8(ConfigPatch.Apply(baseYaml, patchList));
                var reply = await c.Machine.ApplyConfigurationAsync(request, c.Call(ct));
                foreach (var m in reply.Messages)
                {
                    foreach (var w in m.Warnings) io.Err.WriteLine(FanOut.Prefix(clients, c, $"warning: {w}"));
                    if (m.ModeDetails.Length > 0) io.Out.WriteLine(FanOut.Prefix(clients, c, m.ModeDetails));
                }
                return 0;
            }), pins);
        });
        return cmd;
    }

    private static Mode ParseMode(string s) => s switch
    {
        "no-reboot" => Mode.NoReboot,
        "reboot" => Mode.Reboot,
        "staged" => Mode.Staged,
        "try" => Mode.Try,
        _ => Mode.Auto,
    };

    private static string ReadConfig(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new UsageException($"failed to read configuration from \"{path}\": no such file");

    private static async Task<string> CurrentConfig(IMachineClient c, CancellationToken ct)
    {
        var reply = await c.Resources.GetAsync(new GetRequest { Namespace = "config", Type = ResourceAliases.MachineConfig, Id = "v1alpha1" }, c.Call(ct));
        return reply.Resource?.Spec?.YamlSpec ?? throw new NodeCommandException("the node has no machine configuration to patch: pass --file");
    }
}
