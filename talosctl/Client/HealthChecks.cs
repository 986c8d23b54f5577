using System.Globalization;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Client;

/// <summary>
/// One readiness check of <c>talosctl health</c>: a name in upstream's words ("etcd to be healthy") and an assertion
/// that returns null when it holds, <see cref="HealthChecks.Skip"/> when it does not apply, else what is wrong.
/// </summary>
/// <param name="Name">Printed as "waiting for &lt;name&gt;: ...".</param>
/// <param name="Assert">Evaluates the check once.</param>
public sealed record HealthCheck(string Name, Func<HealthCluster, CancellationToken, Task<string?>> Assert);

/// <summary>
/// The checks, in upstream's order (pkg/cluster/check/default.go: etcd healthy, etcd consistent, etcd members are
/// control planes, apid ready, kubelet healthy, boot sequence finished), then Talos.NET's own: every registered service
/// running, MachineStatus ready, and the booted A/B slot confirmed (upstream has no trial slots). A stopped service is
/// never healthy: upstream's ServiceHealthAssertion wants state Running and healthy (issue 20 item 2).
/// </summary>
public static class HealthChecks
{
    /// <summary>The assertion result of a check that does not apply (upstream's ErrSkipAssertion text).</summary>
    public const string Skip = "SKIP";

    /// <summary>Every check, in the order they run.</summary>
    public static IReadOnlyList<HealthCheck> All { get; } =
    [
        new("etcd to be healthy", (h, ct) => ServiceOnControlPlanes(h, "etcd", ct)),
        new("etcd members to be consistent across nodes", EtcdConsistent),
        new("etcd members to be control plane nodes", EtcdMembersAreControlPlanes),
        new("apid to be ready", ApidReady),
        // Upstream checks kubelet on control planes only; here every node runs one and `service kubelet stop` on a
        // worker must not pass.
        new("kubelet to be healthy", (h, ct) => EachNode(h, async c => ServiceProblem(c, await HealthCluster.ServicesAsync(c, ct), "kubelet"), ct)),
        new("all nodes to finish boot sequence", (h, ct) => EachNode(h, async c => await StatusAsync(c, ct) is { } s && s.Stage != MachineStage.Running
            ? $"{c.Node}: the node is {Stage(s)}, not running" : null, ct)),
        new("all services to be running and healthy", (h, ct) => EachNode(h, async c => AllServicesProblem(c, await HealthCluster.ServicesAsync(c, ct)), ct)),
        new("all nodes to report ready", (h, ct) => EachNode(h, async c => await StatusAsync(c, ct) is { Status.Ready: false } s
            ? $"{c.Node}: not ready: {string.Join("; ", s.Status.UnmetConditions.Select(u => $"{u.Name}: {u.Reason}"))}" : null, ct)),
        new("all nodes to boot a confirmed slot", (h, ct) => EachNode(h, c => BootSlotProblem(c, ct), ct)),
    ];

    private static async Task<string?> ServiceOnControlPlanes(HealthCluster h, string id, CancellationToken ct)
    {
        var errors = new List<string>();
        var cps = await h.ControlPlanesAsync(errors, ct);
        if (errors.Count == 0 && cps.Count == 0) return Skip;
        foreach (var c in cps)
            if (await HealthCluster.OnNode(c, errors, () => HealthCluster.ServicesAsync(c, ct), ct) is { } services && ServiceProblem(c, services, id) is { } p)
                errors.Add(p);
        return Join(errors);
    }

    /// <summary>Upstream's wording: "service "etcd" not in expected state "Running": current state [Finished] ...".</summary>
    private static string? ServiceProblem(IMachineClient c, List<ServiceInfo> services, string id)
    {
        var s = services.FirstOrDefault(x => x.Id == id);
        if (s is null) return $"{c.Node}: service \"{id}\" is not registered";
        if (s.State != "Running")
            return $"{c.Node}: service \"{id}\" not in expected state \"Running\": current state [{s.State}] {s.Events?.Events.LastOrDefault()?.Msg}".TrimEnd();
        if (s.Health is { Healthy: false } || s.Health is null)
            return $"{c.Node}: service is not healthy: {id}{(s.Health?.LastMessage is { Length: > 0 } m ? " (" + m + ")" : "")}";
        return null;
    }

    /// <summary>Every registered service should run (upstream's MachineStatus "services" condition); Skipped is fine.</summary>
    private static string? AllServicesProblem(IMachineClient c, List<ServiceInfo> services)
    {
        var bad = services.Where(s => s.State != "Skipped" && (s.State != "Running" || ServiceCommand.Health(s.Health) == "Fail"))
            .Select(s => $"{s.Id} {s.State}/{ServiceCommand.Health(s.Health)}{(s.Health?.LastMessage is { Length: > 0 } m ? ": " + m : "")}").ToList();
        return bad.Count == 0 ? null : $"{c.Node}: services not running and healthy: {string.Join(", ", bad)}";
    }

    private static async Task<string?> EtcdConsistent(HealthCluster h, CancellationToken ct)
    {
        var errors = new List<string>();
        var cps = await h.ControlPlanesAsync(errors, ct);
        if (errors.Count == 0 && cps.Count == 0) return Skip;
        var seen = new List<(IMachineClient Node, List<string> Members)>();
        foreach (var c in cps.OrderBy(c => c.Node, StringComparer.Ordinal))
            if (await HealthCluster.OnNode(c, errors, () => MembersAsync(c, ct), ct) is { } m)
            {
                if (m.Count == 0) errors.Add($"{c.Node}: etcd reports no members (is etcd bootstrapped? run \"talosctl bootstrap\" on one control plane)");
                else seen.Add((c, m));
            }
        // Upstream compares every node with the first one (sorted by node name).
        if (seen.Count > 0)
        {
            var first = seen[0].Members;
            foreach (var (node, members) in seen.Skip(1))
            {
                if (members.Count != first.Count) errors.Add($"{node.Node}: expected to have [{string.Join(" ", first)}] members, got [{string.Join(" ", members)}]");
                else if (members.FirstOrDefault(x => !first.Contains(x)) is { } extra) errors.Add($"{node.Node}: found unexpected etcd member {extra}");
            }
        }
        return Join(errors);
    }

    private static async Task<List<string>> MembersAsync(IMachineClient c, CancellationToken ct)
    {
        var reply = await c.Machine.EtcdMemberListAsync(new EtcdMemberListRequest(), c.Call(ct, HealthCluster.CallTimeout));
        return reply.Messages.SelectMany(m => m.Members)
            .Select(m => m.Hostname.Length > 0 ? m.Hostname : m.Id.ToString("x", CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every etcd member's peer URL points at one of the control planes (upstream's EtcdControlPlaneNodesAssertion).</summary>
    private static async Task<string?> EtcdMembersAreControlPlanes(HealthCluster h, CancellationToken ct)
    {
        var errors = new List<string>();
        var cps = await h.ControlPlanesAsync(errors, ct);
        if (errors.Count == 0 && cps.Count == 0) return Skip;
        if (cps.Count == 0) return Join(errors);
        var first = cps[0];
        var reply = await HealthCluster.OnNode(first, errors, async () => await first.Machine.EtcdMemberListAsync(new EtcdMemberListRequest(), first.Call(ct, HealthCluster.CallTimeout)), ct);
        if (reply is null) return Join(errors);
        var memberIps = reply.Messages.SelectMany(m => m.Members).SelectMany(m => m.PeerUrls)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri.Host : u).ToList();
        var cpIps = cps.Select(c => c.Node).ToHashSet(StringComparer.Ordinal);
        if (!memberIps.All(cpIps.Contains))
            errors.Add($"etcd member ips [{Quote(memberIps)}] are not subset of control plane node ips [{Quote(cpIps.Order(StringComparer.Ordinal))}]");
        return Join(errors);
    }

    private static Task<string?> ApidReady(HealthCluster h, CancellationToken ct) =>
        EachNode(h, async c =>
        {
            await c.Machine.VersionAsync(new Google.Protobuf.WellKnownTypes.Empty(), c.Call(ct, HealthCluster.CallTimeout));
            return null;
        }, ct);

    private static async Task<MachineStatusSpec> StatusAsync(IMachineClient c, CancellationToken ct)
    {
        var r = await c.Resources.GetAsync(new GetRequest { Namespace = "runtime", Type = "MachineStatuses.runtime.talos.dev", Id = "machine" }, c.Call(ct, HealthCluster.CallTimeout));
        return MachineStatusSpec.Parser.ParseFrom(r.Resource.Spec.ProtoSpec);
    }

    private static string Stage(MachineStatusSpec s) => s.Stage.ToString().ToLowerInvariant().Replace("shuttingdown", "shutting down", StringComparison.Ordinal);

    private static async Task<string?> BootSlotProblem(IMachineClient c, CancellationToken ct)
    {
        var slots = new List<BootSlotSpec>();
        using (var call = c.Resources.List(new ListRequest { Namespace = "runtime", Type = ResourceAliases.BootSlot }, c.Call(ct, HealthCluster.CallTimeout)))
            await foreach (var item in call.ResponseStream.ReadAllAsync(ct))
                slots.Add(BootSlotSpec.Parser.ParseFrom(item.Resource.Spec.ProtoSpec));
        var booted = slots.FirstOrDefault(s => s.Booted);
        if (booted is null) return $"{c.Node}: no slot is booted: the node is not installed or is in maintenance mode";
        var what = $"slot {booted.Slot}, {(booted.ImageVersion.Length > 0 ? booted.ImageVersion : "unknown version")}";
        return booted.Successful ? null : $"{c.Node}: {what} is on trial, not confirmed yet ({booted.TriesRemaining} tries left)";
    }

    /// <summary>Runs <paramref name="check"/> on every node (in order); the problems of all nodes, or null.</summary>
    private static async Task<string?> EachNode(HealthCluster h, Func<IMachineClient, Task<string?>> check, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var c in h.Nodes)
        {
            var problem = await HealthCluster.OnNode(c, errors, async () => await check(c) ?? "", ct);
            if (problem is { Length: > 0 }) errors.Add(problem);
        }
        return Join(errors);
    }

    private static string? Join(List<string> errors) => errors.Count == 0 ? null : string.Join("; ", errors);

    private static string Quote(IEnumerable<string> xs) => string.Join(" ", xs.Select(x => $"\"{x}\""));
}
