using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl health</c>: a client-side check of every node: the booted slot is confirmed (BootSlots resource) and every
/// service is healthy (ServiceList). One line per check per node; exit 1 when any check fails or a node is unreachable.
/// </summary>
public static class HealthCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("health", "Check node health (boot confirmed, services healthy)");
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
        {
            var boot = await BootCheck(c, ct);
            Report(io, c, "boot confirmed", boot);
            var services = await ServicesCheck(c, ct);
            Report(io, c, "services healthy", services);
            return boot.Ok && services.Ok ? 0 : 1;
        })));
        return cmd;
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

    private static async Task<Check> ServicesCheck(IMachineClient c, CancellationToken ct)
    {
        var reply = await c.Machine.ServiceListAsync(new Empty(), c.Call(ct));
        var services = reply.Messages.SelectMany(m => m.Services).ToList();
        var bad = services.Where(s => !Healthy(s)).Select(s => $"{s.Id} {s.State}/{ServiceCommand.Health(s.Health)}{(s.Health?.LastMessage is { Length: > 0 } m ? ": " + m : "")}").ToList();
        return bad.Count == 0 ? new Check(true, $"{services.Count} services") : new Check(false, string.Join("; ", bad));
    }

    private static bool Healthy(ServiceInfo s) =>
        s.State is "Finished" or "Skipped" || (s.State == "Running" && ServiceCommand.Health(s.Health) != "Fail");
}
