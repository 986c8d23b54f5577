using System.CommandLine;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl events [--tail N] [--since ID] [--duration D] [--actor-id A]</c>: streams events as upstream does
/// (NODE ID EVENT ACTOR SOURCE MESSAGE), decoding both upstream's payloads and Talos.NET's NodeEvent.
/// </summary>
public static class EventsCommand
{
    private const int EventTypeWidth = 39;   // "talos/runtime/talos.events.v1.NodeEvent"
    private const int SourceWidth = 19;      // "ServiceStateChanged"

    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var tail = new Option<int>("--tail") { Description = "show specified number of past events (-1: all retained)" };
        var since = new Option<string?>("--since") { Description = "show events after the specified event ID" };
        var duration = GoDuration.OptionalOption("--duration", "show events for the past duration interval");
        var actor = new Option<string?>("--actor-id") { Description = "filter events by the specified actor ID" };
        var cmd = new Command("events", "Stream runtime events") { tail, since, duration, actor };
        cmd.SetAction((r, ct) =>
        {
            var request = new EventsRequest { TailEvents = r.GetValue(tail), WithActorId = r.GetValue(actor) ?? "" };
            var chosen = (r.GetValue(tail) != 0 ? 1 : 0) + (r.GetValue(since) is null ? 0 : 1) + (r.GetValue(duration) is null ? 0 : 1);
            if (chosen > 1) throw new UsageException("--tail, --since and --duration are mutually exclusive");
            if (r.GetValue(since) is { } id) request.TailId = id;
            if (r.GetValue(duration) is { } d) request.TailSeconds = (int)Math.Ceiling(d.TotalSeconds);
            return NodeOptions.RunAsync(r, g, false, clients =>
            {
                // Known up front: the node labels and the widest type URL / payload kind a node sends.
                var table = new StreamTable(io.Out, ["NODE", "ID", "EVENT", "ACTOR", "SOURCE", "MESSAGE"],
                    [clients.Max(c => c.Node.Length), 0, EventTypeWidth, 0, SourceWidth]);
                return FanOut.ConcurrentAsync(clients, io, async c =>
                {
                    using var call = c.Machine.Events(request, c.Call(ct));
                    while (await call.ResponseStream.MoveNext(ct))
                        if (DecodedEvent.From(call.ResponseStream.Current) is { } e)
                            table.Row([c.Node, e.Id, e.TypeUrl, e.ActorId, e.Source, e.Message]);
                    return 0;
                });
            });
        });
        return cmd;
    }
}
