using System.CommandLine;
using Talos.Api.Common;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl logs &lt;service&gt; [-f] [--tail N]</c>: a system service's log ring.</summary>
public static class LogsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var service = new Argument<string>("service") { Description = "service id (machined, etcd, kubelet, ...)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "specify if the logs should be streamed" };
        var tail = new Option<int>("--tail") { Description = "lines of log file to display (default is to show from the beginning)", DefaultValueFactory = _ => -1 };
        var cmd = new Command("logs", "Retrieve logs for a service") { service, follow, tail };
        cmd.SetAction((r, ct) =>
        {
            var request = new LogsRequest { Namespace = "system", Id = r.GetValue(service)!, Driver = ContainerDriver.Containerd, Follow = r.GetValue(follow), TailLines = r.GetValue(tail) };
            return NodeOptions.RunAsync(r, g, false, clients => FanOut.ConcurrentAsync(clients, io, async c =>
            {
                using var call = c.Machine.Logs(request, c.Call(ct));
                return await LineStream.CopyAsync(clients, c, call, io, ct);
            }));
        });
        return cmd;
    }
}
