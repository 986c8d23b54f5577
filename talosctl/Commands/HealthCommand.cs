using System.CommandLine;
using Grpc.Core;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl health</c>: upstream's client-side cluster check. Runs <see cref="HealthChecks.All"/> in order; each check
/// is retried until it passes or <c>--wait-timeout</c> (default 20m, as upstream) runs out. Progress is printed as
/// upstream's reporter prints it without a terminal ("waiting for etcd to be healthy: ..." then "...: OK", a changed
/// problem on a line of its own); a check that does not pass in time ends the run with one <c>error:</c> line naming
/// the check and what is wrong, exit 1. Nodes: <c>--control-plane-nodes</c> and <c>--worker-nodes</c> (roles given), or
/// <c>-n</c>/the talosconfig (roles discovered: a node that registers etcd is a control plane).
/// </summary>
public static class HealthCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var cps = new Option<string[]>("--control-plane-nodes") { Description = "specify IPs of control plane nodes", AllowMultipleArgumentsPerToken = true };
        var workers = new Option<string[]>("--worker-nodes") { Description = "specify IPs of worker nodes", AllowMultipleArgumentsPerToken = true };
        var timeout = GoDuration.Option("--wait-timeout", "timeout to wait for the cluster to be ready", TimeSpan.FromMinutes(20));
        var cmd = new Command("health", "Check cluster health") { cps, workers, timeout };
        cmd.SetAction(async (r, ct) =>
        {
            var (nodes, controlPlanes) = Nodes(GlobalOptions.Split(r.GetValue(cps)), GlobalOptions.Split(r.GetValue(workers)));
            using var clients = MachineClients.Open(r, g, false, nodes: nodes);
            return await RunAsync(new HealthCluster(clients.All, controlPlanes), HealthChecks.All, io, r.GetValue(timeout), ct);
        });
        return cmd;
    }

    /// <summary>The nodes the flags name and which are control planes (null, null: use -n and discover the roles).</summary>
    private static (IReadOnlyList<string>?, IReadOnlySet<string>?) Nodes(IReadOnlyList<string> cps, IReadOnlyList<string> workers)
    {
        if (cps.Count == 0 && workers.Count == 0) return (null, null);
        if (cps.FirstOrDefault(workers.Contains) is { } both)
            throw new UsageException($"node {both} is listed in both --control-plane-nodes and --worker-nodes: give each node one role");
        return ([.. cps.Distinct(StringComparer.Ordinal), .. workers.Distinct(StringComparer.Ordinal)], cps.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Runs <paramref name="checks"/> in order within <paramref name="timeout"/>; 0 when all pass, else 1.</summary>
    public static async Task<int> RunAsync(HealthCluster cluster, IReadOnlyList<HealthCheck> checks, CliContext io, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // CancelAfter takes at most ~49 days; a longer --wait-timeout is as good as none.
        if (timeout < TimeSpan.FromDays(24)) deadline.CancelAfter(timeout);
        foreach (var check in checks)
        {
            var printed = $"waiting for {check.Name}: ...";
            io.Out.WriteLine(printed);
            string? problem = null;
            while (true)
            {
                string? result;
                try
                {
                    result = await check.Assert(cluster, deadline.Token) ?? "OK";
                }
                catch (Exception e) when (e is OperationCanceledException or RpcException && deadline.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    result = null;   // the deadline cut the attempt short: the last complete answer stands
                }
                if (result is not null)
                {
                    var line = $"waiting for {check.Name}: {result}";
                    if (line != printed) io.Out.WriteLine(printed = line);
                    if (result is "OK" or HealthChecks.Skip) break;
                    problem = result;
                }
                if (!await PauseAsync(io.PollInterval, deadline.Token, ct))
                {
                    io.Error($"health check \"{check.Name}\" did not pass within {GoDuration.Format(timeout)}: " +
                        (problem ?? "no node answered in time (is machined running and are the nodes right?)"));
                    return 1;
                }
            }
        }
        return 0;
    }

    /// <summary>Waits before the next attempt; false when the deadline passed (Ctrl+C propagates).</summary>
    private static async Task<bool> PauseAsync(TimeSpan delay, CancellationToken deadline, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, deadline);
            return !deadline.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
