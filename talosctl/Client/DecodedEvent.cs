using Google.Protobuf;
using Talos.Api.Events;
using Talos.Api.Machine;

namespace Talos.Ctl.Client;

/// <summary>
/// A <c>machine.Event</c> decoded for display. <c>data</c> is an <c>Any</c> whose type_url is
/// <c>talos/runtime/&lt;full name&gt;</c>: upstream's Sequence/Phase/Task/ServiceStateEvent for those kinds, and Talos.NET's
/// <c>talos.events.v1.NodeEvent</c> for everything else. Unknown types are kept with an empty payload (upstream skips
/// them; we still show them so a newer node's events are not invisible).
/// </summary>
/// <param name="Id">The META sequence number.</param>
/// <param name="TypeUrl">The Any's type_url (upstream's EVENT column).</param>
/// <param name="ActorId">The operation that caused the event.</param>
/// <param name="Source">Upstream's SOURCE column: sequence/phase/task/service name, or the NodeEvent payload kind.</param>
/// <param name="Message">Upstream's MESSAGE column.</param>
/// <param name="Node">The NodeEvent, when the payload is one.</param>
public sealed record DecodedEvent(string Id, string TypeUrl, string ActorId, string Source, string Message, NodeEvent? Node)
{
    /// <summary>type_url prefix used by Talos for event payloads.</summary>
    public const string Prefix = "talos/runtime/";

    /// <summary>Decodes; null for the empty "hello" event that opens a stream.</summary>
    public static DecodedEvent? From(Event e)
    {
        var url = e.Data?.TypeUrl ?? "";
        if (url.Length == 0) return null;
        var bytes = e.Data!.Value;
        var (source, message, node) = url[(url.StartsWith(Prefix, StringComparison.Ordinal) ? Prefix.Length : 0)..] switch
        {
            "machine.SequenceEvent" => Sequence(SequenceEvent.Parser.ParseFrom(bytes)),
            "machine.PhaseEvent" => Pair(PhaseEvent.Parser.ParseFrom(bytes), p => (p.Phase, p.Action.ToString())),
            "machine.TaskEvent" => Pair(TaskEvent.Parser.ParseFrom(bytes), t => (t.Task, t.Action.ToString())),
            "machine.ServiceStateEvent" => Pair(ServiceStateEvent.Parser.ParseFrom(bytes), s => (s.Service, $"{s.Action}: {s.Message}")),
            "talos.events.v1.NodeEvent" => Of(NodeEvent.Parser.ParseFrom(bytes)),
            _ => ("", "", null),
        };
        return new DecodedEvent(e.Id, url, e.ActorId, source, message, node);
    }

    private static (string, string, NodeEvent?) Sequence(SequenceEvent s) =>
        (s.Sequence, s.Error is null ? s.Action.ToString() : $"error: {s.Error.Message}", null);

    private static (string, string, NodeEvent?) Pair<T>(T msg, Func<T, (string, string)> f) where T : IMessage
    {
        var (a, b) = f(msg);
        return (a, b, null);
    }

    private static (string, string, NodeEvent?) Of(NodeEvent n) => (n.PayloadCase.ToString(), NodeEventText.Describe(n), n);
}
