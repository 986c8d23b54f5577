using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;
using Mode = Talos.Api.Machine.RebootRequest.Types.Mode;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl reboot [--mode default|powercycle|force]</c>.</summary>
public static class RebootCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var mode = new Option<string>("--mode", "-m") { Description = "select the reboot mode", DefaultValueFactory = _ => "default" };
        mode.AcceptOnlyFromAmong("default", "powercycle", "force");
        var cmd = new Command("reboot", "Reboot a node") { mode };
        cmd.SetAction((r, ct) =>
        {
            var request = new RebootRequest { Mode = r.GetValue(mode) switch { "powercycle" => Mode.Powercycle, "force" => Mode.Force, _ => Mode.Default } };
            return NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
            {
                var reply = await c.Machine.RebootAsync(request, c.Call(ct));
                io.Out.WriteLine($"{c.Node}: reboot started (actor {reply.Messages.FirstOrDefault()?.ActorId})");
                return 0;
            }));
        });
        return cmd;
    }
}
