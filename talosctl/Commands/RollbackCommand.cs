using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl rollback</c>: boot the other (previous) slot.</summary>
public static class RollbackCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var force = new Option<bool>("--force") { Description = "roll back even to a slot that was never confirmed healthy or whose image cannot be shown to read the current config" };
        var cmd = new Command("rollback", "Rollback a node to the previous installation") { force };
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
        {
            await c.Machine.RollbackAsync(new RollbackRequest { Force = r.GetValue(force) }, c.Call(ct));
            io.Out.WriteLine($"{c.Node}: rollback scheduled: the node reboots into the previous slot");
            return 0;
        })));
        return cmd;
    }
}
