using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl upgrade --image/-i ref [--preserve] [--stage] [--force] [--wait [--timeout]]</c>. With <c>--wait</c> the
/// node's events are followed through the reboot: exit 0 once the new slot is confirmed, 1 with the recorded reason and
/// evidence when the node rolled back.
/// </summary>
public static class UpgradeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var image = new Option<string>("--image", "-i") { Description = "the container image to use for performing the install", Required = true };
        var preserve = new Option<bool>("--preserve", "-p") { Description = "preserve data" };
        var stage = new Option<bool>("--stage", "-s") { Description = "stage the upgrade to perform it after a reboot" };
        var force = new Option<bool>("--force", "-f") { Description = "force the upgrade (skip checks on etcd health and members, might lead to data loss)" };
        var wait = NodeOptions.Wait();
        var timeout = NodeOptions.WaitTimeout();
        var cmd = new Command("upgrade", "Upgrade Talos on the target node") { image, preserve, stage, force, wait, timeout };
        cmd.SetAction(async (r, ct) =>
        {
            var request = new UpgradeRequest { Image = r.GetValue(image)!, Preserve = r.GetValue(preserve), Stage = r.GetValue(stage), Force = r.GetValue(force) };
            return await NodeOptions.RunAsync(r, g, false, async clients =>
            {
                if (r.GetValue(wait))
                    return await NodeOptions.StartAndWaitAsync(clients, io, r.GetValue(timeout), c => Start(c, request, ct), () => new OperationGoal.Upgrade(), ct);
                var (rows, rc) = await FanOut.CollectAsync(clients, io, async c =>
                {
                    var reply = await c.Machine.UpgradeAsync(request, c.Call(ct));
                    return reply.Messages.Select(m => new[] { c.Node, m.Ack, m.ActorId });
                });
                if (rows.Count > 0) Table.Write(io.Out, ["NODE", "ACK", "ACTOR ID"], rows);
                return rc;
            });
        });
        return cmd;
    }

    private static async Task<string> Start(IMachineClient c, UpgradeRequest request, CancellationToken ct)
    {
        var reply = await c.Machine.UpgradeAsync(request, c.Call(ct));
        return reply.Messages.FirstOrDefault()?.ActorId ?? "";
    }
}
