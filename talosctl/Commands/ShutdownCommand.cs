using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl shutdown [--force]</c>.</summary>
public static class ShutdownCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var force = new Option<bool>("--force") { Description = "if true, force a node to shutdown without a cordon/drain" };
        var cmd = new Command("shutdown", "Shutdown a node") { force };
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
        {
            var reply = await c.Machine.ShutdownAsync(new ShutdownRequest { Force = r.GetValue(force) }, c.Call(ct));
            io.Out.WriteLine($"{c.Node}: shutdown started (actor {reply.Messages.FirstOrDefault()?.ActorId})");
            return 0;
        })));
        return cmd;
    }
}
