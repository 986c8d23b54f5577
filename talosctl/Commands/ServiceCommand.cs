using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl service [&lt;id&gt; [start|stop|restart|status]]</c> (alias <c>services</c>), as upstream.</summary>
public static class ServiceCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne };
        var action = new Argument<string?>("action") { Arity = ArgumentArity.ZeroOrOne };
        action.AcceptOnlyFromAmong("start", "stop", "restart", "status");
        var cmd = new Command("service", "Retrieve the state of a service (or all services), control service state") { id, action };
        cmd.Aliases.Add("services");
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, clients => (r.GetValue(id), r.GetValue(action) ?? "status") switch
        {
            (null, _) => List(clients, io, ct),
            (var s, "status") => Status(clients, io, s, ct),
            (var s, var a) => Control(clients, io, s, a, ct),
        }));
        return cmd;
    }

    /// <summary>Upstream's HEALTH cell.</summary>
    public static string Health(ServiceHealth? h) => h is null || h.Unknown ? "?" : h.Healthy ? "OK" : "Fail";

    private static async Task<int> List(IReadOnlyList<IMachineClient> clients, CliContext io, CancellationToken ct)
    {
        var now = io.Time.GetUtcNow();
        var (rows, rc) = await FanOut.CollectAsync(clients, io, async c =>
        {
            var reply = await c.Machine.ServiceListAsync(new Empty(), c.Call(ct));
            return reply.Messages.SelectMany(m => m.Services).Select(s =>
            {
                var last = s.Events?.Events.LastOrDefault();
                var since = last?.Ts is null ? "" : GoDuration.Format(now - last.Ts.ToDateTimeOffset()) + " ago";
                return new[] { c.Node, s.Id, s.State, Health(s.Health), since, last?.Msg ?? "" };
            });
        });
        if (rows.Count > 0 || rc == 0) Table.Write(io.Out, ["NODE", "SERVICE", "STATE", "HEALTH", "LAST CHANGE", "LAST EVENT"], rows);
        return rc;
    }

    private static Task<int> Status(IReadOnlyList<IMachineClient> clients, CliContext io, string id, CancellationToken ct)
    {
        var now = io.Time.GetUtcNow();
        return FanOut.EachAsync(clients, io, async c =>
        {
            var reply = await c.Machine.ServiceListAsync(new Empty(), c.Call(ct));
            var s = reply.Messages.SelectMany(m => m.Services).FirstOrDefault(x => x.Id == id)
                ?? throw new NodeCommandException($"service \"{id}\" is not registered (see \"talosctl services\")");
            io.Out.WriteLine($"NODE     {c.Node}");
            io.Out.WriteLine($"ID       {s.Id}");
            io.Out.WriteLine($"STATE    {s.State}");
            io.Out.WriteLine($"HEALTH   {Health(s.Health)}");
            if (s.Health is { LastMessage.Length: > 0 } h) io.Out.WriteLine($"LAST HEALTH MESSAGE   {h.LastMessage}");
            var label = "EVENTS   ";
            foreach (var e in (s.Events?.Events ?? []).Reverse())
            {
                var ago = e.Ts is null ? "" : $" ({GoDuration.Format(now - e.Ts.ToDateTimeOffset())} ago)";
                io.Out.WriteLine($"{label}[{e.State}]: {e.Msg}{ago}");
                label = "         ";
            }
            return 0;
        });
    }

    private static async Task<int> Control(IReadOnlyList<IMachineClient> clients, CliContext io, string id, string action, CancellationToken ct)
    {
        var (rows, rc) = await FanOut.CollectAsync(clients, io, async c =>
        {
            IEnumerable<string> resp = action switch
            {
                "start" => (await c.Machine.ServiceStartAsync(new ServiceStartRequest { Id = id }, c.Call(ct))).Messages.Select(m => m.Resp),
                "stop" => (await c.Machine.ServiceStopAsync(new ServiceStopRequest { Id = id }, c.Call(ct))).Messages.Select(m => m.Resp),
                _ => (await c.Machine.ServiceRestartAsync(new ServiceRestartRequest { Id = id }, c.Call(ct))).Messages.Select(m => m.Resp),
            };
            return resp.Select(x => new[] { c.Node, x });
        });
        if (rows.Count > 0) Table.Write(io.Out, ["NODE", "RESPONSE"], rows);
        return rc;
    }
}
