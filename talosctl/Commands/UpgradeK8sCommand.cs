using System.CommandLine;
using Talos.Core.Kubernetes;
using Talos.Ctl.Client;
using Talos.Ctl.Kubernetes;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl upgrade-k8s --to &lt;version&gt; [--from &lt;version&gt;] [--dry-run] [--upgrade-kubelet]</c>: upgrades the
/// SIMULATED Kubernetes components of the target nodes (-n, else the talosconfig context's nodes) one minor version at
/// a time, control plane first, kubelets last (<see cref="UpgradeK8sRunner"/>).
/// </summary>
public static class UpgradeK8sCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var to = new Option<string>("--to") { Description = "the Kubernetes control plane version to upgrade to", Required = true };
        var from = new Option<string?>("--from") { Description = "the Kubernetes control plane version to upgrade from (default: detected from kube-apiserver)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "skip the actual upgrade and show the upgrade plan instead" };
        var kubelet = new Option<bool>("--upgrade-kubelet") { Description = "upgrade kubelet service", DefaultValueFactory = _ => true };
        var healthTimeout = GoDuration.Option("--health-timeout", "how long each component may take to become healthy at the new version", TimeSpan.FromMinutes(2));
        var cmd = new Command("upgrade-k8s", "Upgrade Kubernetes control plane in the Talos cluster") { to, from, dryRun, kubelet, healthTimeout };
        cmd.SetAction((r, ct) =>
        {
            var target = Version(r.GetValue(to)!, "--to");
            var source = r.GetValue(from) is { } f ? Version(f, "--from") : (KubeVersion?)null;
            return NodeOptions.RunAsync(r, g, false, clients => new UpgradeK8sRunner(clients, io).RunAsync(
                new UpgradeK8sOptions(target, source, r.GetValue(dryRun), r.GetValue(kubelet), r.GetValue(healthTimeout)), ct));
        });
        return cmd;
    }

    private static KubeVersion Version(string text, string flag) =>
        KubeVersion.TryParse(text, out var v) ? v : throw new UsageException($"{flag}: invalid Kubernetes version \"{text}\": expected e.g. 1.31.0");
}
