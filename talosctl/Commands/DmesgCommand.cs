using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl dmesg [-f] [--tail]</c>: the kernel log.</summary>
public static class DmesgCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "specify if the kernel log should be streamed" };
        var tail = new Option<bool>("--tail") { Description = "specify if only new messages should be sent (makes sense only when combined with --follow)" };
        var cmd = new Command("dmesg", "Retrieve kernel logs") { follow, tail };
        cmd.SetAction((r, ct) =>
        {
            var request = new DmesgRequest { Follow = r.GetValue(follow), Tail = r.GetValue(tail) };
            return NodeOptions.RunAsync(r, g, false, clients => FanOut.ConcurrentAsync(clients, io, async c =>
            {
                using var call = c.Machine.Dmesg(request, c.Call(ct));
                return await LineStream.CopyAsync(clients, c, call, io, ct);
            }));
        });
        return cmd;
    }
}
