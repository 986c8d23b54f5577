using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Core.Config;
using Talos.Core.Errors;
using Talos.Core.Kubernetes;
using Talos.Ctl.Client;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Kubernetes;

/// <summary>Options of one upgrade-k8s run.</summary>
/// <param name="To">Target version.</param>
/// <param name="From">--from, or null to detect it.</param>
/// <param name="DryRun">Print the plan, change nothing.</param>
/// <param name="UpgradeKubelet">Upgrade the kubelets too.</param>
/// <param name="HealthTimeout">How long one unit may take to be healthy at its new image.</param>
public sealed record UpgradeK8sOptions(KubeVersion To, KubeVersion? From, bool DryRun, bool UpgradeKubelet, TimeSpan HealthTimeout);

/// <summary>
/// upgrade-k8s's orchestration, client-side as upstream's: discover the targets' configs, plan (skew rules), then
/// per component and node patch the image into the machine config (ApplyConfiguration, no-reboot: the change is a
/// ConfigApplied event in the node's META log, and the node restarts the unit), and wait until the unit runs the
/// new image and is healthy before the next step. The first failure stops the rollout with a report of what is
/// done and what remains; a rerun re-plans from the nodes' configs, so finished steps are skipped.
/// </summary>
public sealed class UpgradeK8sRunner(IReadOnlyList<IMachineClient> clients, CliContext io)
{
    /// <summary>Interval between health polls.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs; returns the exit code (0 done, 1 refused or stopped).</summary>
    public async Task<int> RunAsync(UpgradeK8sOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        UpgradePlan plan;
        try
        {
            var nodes = new List<NodeKubernetes>();
            foreach (var c in clients) nodes.Add(new NodeKubernetes(c.Node, await ReadConfigAsync(c, ct).ConfigureAwait(false)));
            if (options.From is null && nodes.Any(n => n.ControlPlane))
                io.Out.WriteLine($"automatically detected the lowest Kubernetes version {nodes.Where(n => n.ControlPlane).Min(n => UpgradePlanner.VersionOf(n, KubeComponent.ApiServer))}");
            plan = UpgradePlanner.Plan(nodes, options.To, options.From, options.UpgradeKubelet);
        }
        catch (TalosException e)
        {
            io.Error(e.Message);
            return 1;
        }
        catch (StepFailedException e)
        {
            io.Error(e.Message);
            return 1;
        }
        io.Out.WriteLine($"discovered controlplane nodes [{Quoted(plan.ControlPlanes)}]");
        if (plan.Workers.Count > 0) io.Out.WriteLine($"discovered worker nodes [{Quoted(plan.Workers)}]");
        var done = 0;
        foreach (var phase in plan.Phases)
        {
            io.Out.WriteLine($"updating \"{phase.Component.Id}\" to version \"{plan.To}\"");
            foreach (var step in phase.Steps)
            {
                try
                {
                    await RunStepAsync(step, options, ct).ConfigureAwait(false);
                    done++;
                }
                catch (StepFailedException e)
                {
                    Report(plan, step, e.Message, done);
                    return 1;
                }
            }
        }
        io.Out.WriteLine(options.DryRun
            ? $"dry run: {plan.Pending.Count()} of {plan.Phases.Sum(p => p.Steps.Count)} steps would change a node; nothing was changed"
            : $"kubernetes components are at version \"{plan.To}\"");
        return 0;
    }

    private async Task RunStepAsync(UpgradeStep step, UpgradeK8sOptions options, CancellationToken ct)
    {
        var c = clients.First(x => x.Node == step.Node);
        var id = step.Component.Id;
        var line = (string s) => io.Out.WriteLine($" > \"{step.Node}\": {s}");
        line("starting update");
        if (step.UpToDate)
        {
            line($"{id} is already at version \"{ImageTag.Of(step.ToImage)}\"");
            if (!options.DryRun) await WaitHealthyAsync(c, step, options.HealthTimeout, line, ct).ConfigureAwait(false);
            return;
        }
        line($"update {id}: {ImageTag.Of(step.FromImage)} -> {ImageTag.Of(step.ToImage)}");
        if (options.DryRun)
        {
            line("skipped in dry-run");
            return;
        }
        // Re-read: an earlier step on this node changed its config since discovery.
        var current = await Rpc(step, "read the machine config", () => ReadConfigAsync(c, ct)).ConfigureAwait(false);
        var patched = step.Component.WithImage(current, step.ToImage);
        await Rpc(step, "apply the machine config", () => c.Machine.ApplyConfigurationAsync(new ApplyConfigurationRequest
        {
            Data = ByteString.CopyFromUtf8(patched.ToYaml()), Mode = ApplyConfigurationRequest.Types.Mode.NoReboot,
        }, c.Call(ct)).ResponseAsync).ConfigureAwait(false);
        line("machine configuration patched");
        line($"waiting for {id} to be healthy");
        await WaitHealthyAsync(c, step, options.HealthTimeout, line, ct).ConfigureAwait(false);
    }

    private async Task WaitHealthyAsync(IMachineClient c, UpgradeStep step, TimeSpan timeout, Action<string> line, CancellationToken ct)
    {
        var deadline = io.Time.GetUtcNow() + timeout;
        KubernetesComponentSpec? last = null;
        while (true)
        {
            last = await Rpc(step, $"read the state of {step.Component.Id}", () => ComponentAsync(c, step.Component.Id, ct)).ConfigureAwait(false);
            if (last is { Running: true, Healthy: true } && last.Image == step.ToImage)
            {
                line($"{step.Component.Id}: running \"{last.Image}\", healthy");
                return;
            }
            if (io.Time.GetUtcNow() >= deadline)
            {
                var state = last is null ? "not registered" : $"state {last.State}, image \"{last.Image}\", {(last.Healthy ? "healthy" : "not healthy")}";
                throw new StepFailedException($"{step.Component.Id} did not become healthy at \"{step.ToImage}\" within {Talos.Ctl.Commands.GoDuration.Format(timeout)} ({state})");
            }
            await Task.Delay(PollInterval, io.Time, ct).ConfigureAwait(false);
        }
    }

    private static async Task<KubernetesComponentSpec?> ComponentAsync(IMachineClient c, string id, CancellationToken ct)
    {
        try
        {
            var reply = await c.Resources.GetAsync(new GetRequest { Namespace = "k8s", Type = ResourceAliases.KubernetesComponent, Id = id }, c.Call(ct)).ConfigureAwait(false);
            return reply.Resource?.Spec is { } s ? KubernetesComponentSpec.Parser.ParseFrom(s.ProtoSpec) : null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The node's machine config (COSI MachineConfigs, unredacted for os:admin).</summary>
    private static async Task<MachineConfig> ReadConfigAsync(IMachineClient c, CancellationToken ct)
    {
        try
        {
            var reply = await c.Resources.GetAsync(new GetRequest { Namespace = "config", Type = ResourceAliases.MachineConfig, Id = "v1alpha1" }, c.Call(ct)).ConfigureAwait(false);
            var yaml = reply.Resource?.Spec?.YamlSpec ?? throw new StepFailedException($"\"{c.Node}\": the node has no machine config");
            return MachineConfig.Parse(yaml);
        }
        catch (RpcException e)
        {
            throw new StepFailedException($"could not read the machine config: {RpcErrors.Describe(e, c.Node, c.Insecure)}");
        }
    }

    private static async Task<T> Rpc<T>(UpgradeStep step, string what, Func<Task<T>> call)
    {
        try { return await call().ConfigureAwait(false); }
        catch (RpcException e) { throw new StepFailedException($"could not {what}: {e.Status.Detail} ({e.StatusCode})"); }
        catch (TalosException e) { throw new StepFailedException($"could not {what}: {e.Message}"); }
    }

    private void Report(UpgradePlan plan, UpgradeStep failed, string reason, int done)
    {
        var all = plan.Phases.SelectMany(p => p.Steps).ToList();
        var remaining = all.Skip(done).Select(s => $"{s.Component.Id} on \"{s.Node}\"").ToList();
        io.Error($"upgrade-k8s stopped at {failed.Component.Id} on \"{failed.Node}\": {reason}");
        io.Err.WriteLine($"  done: {done} of {all.Count} steps; remaining: {string.Join(", ", remaining)}");
        io.Err.WriteLine("  fix the cause and run the same command again: steps already at the target version are skipped");
    }

    private static string Quoted(IEnumerable<string> nodes) => string.Join(" ", nodes.Select(n => $"\"{n}\""));

    /// <summary>One step could not be done; carries the reason for the report.</summary>
    private sealed class StepFailedException(string message) : Exception(message);
}
