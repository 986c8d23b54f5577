using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;
using WipeMode = Talos.Api.Machine.ResetRequest.Types.WipeMode;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl reset [--graceful] [--reboot] [--preserve] [--system-labels-to-wipe L]... [--wipe-mode] [--wait]</c>.
/// <c>--preserve</c> is a Talos.NET extension (issue 9): it wipes EPHEMERAL only, so the node keeps its machine config
/// (STATE); BOOT slots and META (the node's history) survive every reset. It is sent as an explicit list of system
/// partitions to wipe (EPHEMERAL), which upstream nodes understand too.
/// </summary>
public static class ResetCommand
{
    /// <summary>System partitions wiped by <c>--preserve</c>: EPHEMERAL (STATE kept; BOOT and META are never wiped by reset).</summary>
    public static readonly string[] PreserveWipes = ["EPHEMERAL"];

    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var graceful = new Option<bool>("--graceful") { Description = "if true, attempt to cordon/drain node and leave etcd (if applicable)", DefaultValueFactory = _ => true };
        var reboot = new Option<bool>("--reboot") { Description = "if true, reboot the node after resetting instead of shutting down" };
        var preserve = new Option<bool>("--preserve") { Description = "keep the STATE partition (machine config): wipe only EPHEMERAL (Talos.NET extension)" };
        var labels = new Option<string[]>("--system-labels-to-wipe") { Description = "if set, just wipe selected system disk partitions by label but keep other partitions intact" };
        var mode = new Option<string>("--wipe-mode") { Description = "disk reset mode", DefaultValueFactory = _ => "all" };
        mode.AcceptOnlyFromAmong("all", "system-disk", "user-disks");
        var wait = NodeOptions.Wait();
        var timeout = NodeOptions.WaitTimeout();
        var cmd = new Command("reset", "Reset a node") { graceful, reboot, preserve, labels, mode, wait, timeout };
        cmd.SetAction(async (r, ct) =>
        {
            var request = Request(r.GetValue(graceful), r.GetValue(reboot), r.GetValue(preserve), GlobalOptions.Split(r.GetValue(labels)), r.GetValue(mode)!);
            return await NodeOptions.RunAsync(r, g, false, async clients =>
            {
                if (r.GetValue(wait))
                    return await NodeOptions.StartAndWaitAsync(clients, io, r.GetValue(timeout), c => Start(c, request, ct), () => new OperationGoal.Reset(request.Reboot), ct);
                return await FanOut.EachAsync(clients, io, async c =>
                {
                    io.Out.WriteLine($"{c.Node}: reset started (actor {await Start(c, request, ct)})");
                    return 0;
                });
            });
        });
        return cmd;
    }

    /// <summary>The request for the given flags.</summary>
    /// <exception cref="UsageException">--preserve together with labels that include STATE.</exception>
    public static ResetRequest Request(bool graceful, bool reboot, bool preserve, IReadOnlyList<string> labels, string mode)
    {
        if (preserve && labels.Contains("STATE", StringComparer.OrdinalIgnoreCase))
            throw new UsageException("--preserve keeps STATE, but --system-labels-to-wipe names STATE: drop one of them");
        var request = new ResetRequest
        {
            Graceful = graceful,
            Reboot = reboot,
            Mode = mode switch { "system-disk" => WipeMode.SystemDisk, "user-disks" => WipeMode.UserDisks, _ => WipeMode.All },
        };
        var wipe = labels.Count > 0 ? labels : preserve ? PreserveWipes : [];
        request.SystemPartitionsToWipe.AddRange(wipe.Select(l => new ResetPartitionSpec { Label = l.ToUpperInvariant(), Wipe = true }));
        return request;
    }

    private static async Task<string> Start(IMachineClient c, ResetRequest request, CancellationToken ct)
    {
        var reply = await c.Machine.ResetAsync(request, c.Call(ct));
        return reply.Messages.FirstOrDefault()?.ActorId ?? "";
    }
}
