using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Events;

namespace Talos.Core.Tests.Support;

/// <summary>Concise builders for events in tests: numbered in the order they are created.</summary>
internal sealed class Ev
{
    private ulong _next = 1;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string SequenceId { get; set; } = "seq-1";

    public NodeEvent Make(Action<NodeEvent> set)
    {
        var e = new NodeEvent
        {
            Sequence = _next,
            Time = Timestamp.FromDateTimeOffset(Epoch.AddSeconds(_next)),
            ActorId = "actor-1",
            SequenceId = SequenceId,
        };
        _next++;
        set(e);
        return e;
    }

    public static string Digest(char c) => new(c, 64);

    public NodeEvent Written(Slot s, char d, string version = "v1.0.0") =>
        Make(e => e.ImageWrittenToSlot = new ImageWrittenToSlot { Slot = s, Digest = Digest(d), Version = version, ImageRef = "img:" + version, Size = 4096 });
    public NodeEvent Trial(Slot s, uint tries) => Make(e => e.TrialBootSet = new TrialBootSet { Slot = s, Tries = tries });
    public NodeEvent Attempt(Slot s, bool trial, uint left) => Make(e => e.BootAttempted = new BootAttempted { Slot = s, Trial = trial, TriesLeft = left });
    public NodeEvent Booted(Slot s, char d) => Make(e => e.Booted = new Booted { Slot = s, MeasuredDigest = Digest(d), Version = "v" });
    public NodeEvent Confirmed(Slot s) => Make(e => e.BootConfirmed = new BootConfirmed { Slot = s });
    public NodeEvent RolledBack(Slot from, Slot to, RollbackReason r) => Make(e => e.RolledBack = new RolledBack { From = from, To = to, Reason = r });
    public NodeEvent SeqStart(string name) => Make(e => e.SequenceStarted = new SequenceStarted { Sequence = name });
    public NodeEvent SeqDone(string name) => Make(e => e.SequenceCompleted = new SequenceCompleted { Sequence = name });
    public NodeEvent TaskStart(string t) => Make(e => e.TaskStarted = new TaskStarted { Sequence = "s", Phase = "p", Task = t });
    public NodeEvent TaskDone(string t) => Make(e => e.TaskCompleted = new TaskCompleted { Sequence = "s", Phase = "p", Task = t });
    public NodeEvent MetaSet(uint k, string v) => Make(e => e.MetaKeySet = new MetaKeySet { Key = k, Value = ByteString.CopyFromUtf8(v) });
}
