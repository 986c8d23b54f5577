using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Events;
using Talos.Api.Machine;
using CommonError = Talos.Api.Common.Error;
using MachineEvent = Talos.Api.Machine.Event;

namespace Talos.Machined.Api;

/// <summary>
/// Turns a META log event into upstream's <c>machine.Event</c> (specs/api.md §9): sequencer events (10-18) become
/// upstream's <c>machine.SequenceEvent</c>/<c>PhaseEvent</c>/<c>TaskEvent</c>, ServiceStateChanged becomes
/// <c>machine.ServiceStateEvent</c>, and every other event travels as itself (<c>talos.events.v1.NodeEvent</c>), so
/// upstream clients understand what they know and skip the rest. <c>id</c> is the META sequence number in decimal.
/// </summary>
public static class EventMapping
{
    /// <summary>Upstream's type URL prefix (not type.googleapis.com).</summary>
    public const string TypeUrlPrefix = "talos/runtime/";

    /// <summary>The API event for <paramref name="e"/>.</summary>
    public static MachineEvent ToApi(NodeEvent e, Talos.Api.Common.Metadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var payload = Payload(e);
        return new MachineEvent
        {
            Metadata = metadata,
            Id = e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ActorId = e.ActorId,
            Data = new Any { TypeUrl = TypeUrlPrefix + payload.Descriptor.FullName, Value = payload.ToByteString() },
        };
    }

    /// <summary>The message carried in <c>Event.data</c> for <paramref name="e"/>.</summary>
    public static IMessage Payload(NodeEvent e) => e.PayloadCase switch
    {
        NodeEvent.PayloadOneofCase.SequenceStarted => Seq(e.SequenceStarted.Sequence, SequenceEvent.Types.Action.Start, null),
        NodeEvent.PayloadOneofCase.SequenceCompleted => Seq(e.SequenceCompleted.Sequence, SequenceEvent.Types.Action.Stop, null),
        NodeEvent.PayloadOneofCase.SequenceFailed => Seq(e.SequenceFailed.Sequence, SequenceEvent.Types.Action.Stop,
            new CommonError { Code = (CommonError.Types.Code)(int)e.SequenceFailed.Code, Message = e.SequenceFailed.Message }),
        NodeEvent.PayloadOneofCase.PhaseStarted => new PhaseEvent { Phase = e.PhaseStarted.Phase, Action = PhaseEvent.Types.Action.Start },
        NodeEvent.PayloadOneofCase.PhaseCompleted => new PhaseEvent { Phase = e.PhaseCompleted.Phase, Action = PhaseEvent.Types.Action.Stop },
        NodeEvent.PayloadOneofCase.PhaseFailed => new PhaseEvent { Phase = e.PhaseFailed.Phase, Action = PhaseEvent.Types.Action.Stop },
        NodeEvent.PayloadOneofCase.TaskStarted => new TaskEvent { Task = e.TaskStarted.Task, Action = TaskEvent.Types.Action.Start },
        NodeEvent.PayloadOneofCase.TaskCompleted => new TaskEvent { Task = e.TaskCompleted.Task, Action = TaskEvent.Types.Action.Stop },
        NodeEvent.PayloadOneofCase.TaskFailed => new TaskEvent { Task = e.TaskFailed.Task, Action = TaskEvent.Types.Action.Stop },
        NodeEvent.PayloadOneofCase.ServiceStateChanged => new ServiceStateEvent
        {
            Service = e.ServiceStateChanged.Service,
            // Both enums carry upstream's numbering (events.proto ServiceState = ServiceStateEvent.Action).
            Action = (ServiceStateEvent.Types.Action)(int)e.ServiceStateChanged.State,
            Message = e.ServiceStateChanged.Message,
            Health = new ServiceHealth { Healthy = e.ServiceStateChanged.Healthy, Unknown = e.ServiceStateChanged.State != Talos.Api.Events.ServiceState.Running },
        },
        _ => e,
    };

    private static SequenceEvent Seq(string sequence, SequenceEvent.Types.Action action, CommonError? error) =>
        new() { Sequence = sequence, Action = action, Error = error };
}
