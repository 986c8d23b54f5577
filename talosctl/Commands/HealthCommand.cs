using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl health</c>: a client-side check of every node: the booted slot is confirmed (BootSlots resource) and every
/// service is healthy (ServiceList); then the nodes that run etcd must agree on the member list. One line per check per
/// node; exit 1 when any check fails or a node is unreachable.
/// </summary>
public static class HealthCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("health", "Check node health (boot confirmed, services healthy)");
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, async clients =>
        {
            var members = new List<(IMachineClient Node, string Members)>();
            var rc = await FanOut.EachAsync(clients, io, async c =>
            {
                var boot = await BootCheck(c, ct);
                Report(io, c, "boot confirmed", boot);
                var (services, runsEtcd) = await ServicesCheck(c, ct);
                Report(io, c, "services healthy", services);
                if (runsEtcd) members.Add((c, await EtcdMembers(c, ct)));
                return boot.Ok && services.Ok ? 0 : 1;
            });
            return EtcdAgreement(io, members) ? rc : 1;
        }));
        return cmd;
    }

    private static async Task<string> EtcdMembers(IMachineClient c, CancellationToken ct)
    {
        var reply = await c.Machine.EtcdMemberListAsync(new EtcdMemberListRequest(), c.Call(ct));
        var names = reply.Messages.SelectMany(m => m.Members).Select(m => m.Hostname.Length > 0 ? m.Hostname : m.Id.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        return string.Join(", ", names.Order(StringComparer.Ordinal));
    }

    /// <summary>Every etcd node must see the member list most of them see (a split shows which node disagrees).</summary>
    private static bool EtcdAgreement(CliContext io, List<(IMachineClient Node, string Members)> seen)
    {
        if (seen.Count == 0) return true;
        var majority = seen.GroupBy(s => s.Members).OrderByDescending(gr => gr.Count()).ThenBy(gr => gr.Key, StringComparer.Ordinal).First().Key;
        foreach (var (node, m) in seen)
            Report(io, node, "etcd members agree", m.Length == 0 ? new Check(false, "the node runs etcd but reports no members")
                : m == majority ? new Check(true, $"[{m}]") : new Check(false, $"sees [{m}], others see [{majority}]"));
        return seen.All(s => s.Members == majority && s.Members.Length > 0);
    }

    private readonly record struct Check(bool Ok, string Detail);

    private static void Report(CliContext io, IMachineClient c, string name, Check check) =>
        io.Out.WriteLine($"{c.Node}: {name}: {(check.Ok ? "OK" : "FAILED")} ({check.Detail})");

    private static async Task<Check> BootCheck(IMachineClient c, CancellationToken ct)
    {
        var slots = new List<BootSlotSpec>();
        using (var call = c.Resources.List(new ListRequest { Namespace = "runtime", Type = ResourceAliases.BootSlot }, c.Call(ct)))
            await foreach (var item in call.ResponseStream.ReadAllAsync(ct))
                slots.Add(BootSlotSpec.Parser.ParseFrom(item.Resource.Spec.ProtoSpec));
        var booted = slots.FirstOrDefault(s => s.Booted);
        if (booted is null) return new Check(false, "no slot is booted: the node is not installed or is in maintenance mode");
        var what = $"slot {booted.Slot}, {(booted.ImageVersion.Length > 0 ? booted.ImageVersion : "unknown version")}";
        return booted.Successful ? new Check(true, what) : new Check(false, $"{what} is on trial, not confirmed yet ({booted.TriesRemaining} tries left)");
    }

    private static async Task<(Check, bool RunsEtcd)> ServicesCheck(IMachineClient c, CancellationToken ct)
    {
        var reply = await c.Machine.ServiceListAsync(new Empty(), c.Call(ct));
        var services = reply.Messages.SelectMany(m => m.Services).ToList();
        var bad = services.Where(s => !Healthy(s)).Select(s => $"{s.Id} {s.State}/{ServiceCommand.Health(s.Health)}{(s.Health?.LastMessage is { Length: > 0 } m ? ": " + m : "")}").ToList();
        var check = bad.Count == 0 ? new Check(true, $"{services.Count} services") : new Check(false, string.Join("; ", bad));
        return (check, services.Any(s => s.Id == "etcd"));
    }

    private static bool Healthy(ServiceInfo s) =>
        s.State is "Finished" or "Skipped" || (s.State == "Running" && ServiceCommand.Health(s.Health) != "Fail");
}
