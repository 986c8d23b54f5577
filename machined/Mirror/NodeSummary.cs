using Talos.Api.Events;
using Talos.Core.State;

namespace Talos.Machined.Mirror;

/// <summary>
/// Per-node read model (issue #10), maintained inline from the node's stream by <see cref="NodeSummaryProjection"/>.
/// It carries the folded <see cref="NodeState"/> snapshot, so every field is exactly what the node's own fold says
/// and <see cref="StateHash"/> equals the hash of a replay from META.
/// </summary>
public sealed class NodeSummary : FoldedDocument
{
    private string? _stateHash = "";

    /// <summary>Role (machine.type) from the latest active ConfigApplied event ("" until one names it).</summary>
    public string Role { get; set; } = "";
    /// <summary>Hostname from the latest active ConfigApplied event ("" until one names it).</summary>
    public string Hostname { get; set; } = "";
    /// <summary>Slot the node booted last ("" in maintenance).</summary>
    public string BootedSlot { get; set; } = "";
    /// <summary>The confirmed slot: successful and preferred over the other successful one ("" when none).</summary>
    public string ConfirmedSlot { get; set; } = "";
    /// <summary>Version the node booted.</summary>
    public string Version { get; set; } = "";
    /// <summary>Digest measured at the last boot (lower-case hex).</summary>
    public string ImageDigest { get; set; } = "";
    /// <summary>Digest recorded for slot A.</summary>
    public string SlotADigest { get; set; } = "";
    /// <summary>Digest recorded for slot B.</summary>
    public string SlotBDigest { get; set; } = "";
    /// <summary>The slot on trial ("" when none).</summary>
    public string TrialSlot { get; set; } = "";
    /// <summary>Tries left of the trial slot.</summary>
    public uint TrialTriesLeft { get; set; }
    /// <summary>Name of the last sequence that ended.</summary>
    public string LastOperation { get; set; } = "";
    /// <summary>How it ended: completed, failed, abandoned, locked ("" before any).</summary>
    public string LastOutcome { get; set; } = "";
    /// <summary>Rollbacks so far.</summary>
    public long Rollbacks { get; set; }
    /// <summary>Time of the last rollback (null when none).</summary>
    public DateTimeOffset? LastRollbackAt { get; set; }
    /// <summary>Time of the last mirrored event.</summary>
    public DateTimeOffset LastSeen { get; set; }
    /// <summary>Hash of the folded node state (equals a replay from META); computed when read after a fold.</summary>
    public string StateHash
    {
        get => _stateHash ??= TryGetFolded(out var s) ? s.Hash : "";
        set => _stateHash = value;
    }

    private protected override void OnFolded() => _stateHash = null;

    // The fields derived from the folded state (State and StateHash follow it lazily, see FoldedDocument).
    internal void Refresh(NodeState s)
    {
        BootedSlot = SlotName(s.BootedSlot);
        Version = s.BootedVersion;
        ImageDigest = s.BootedDigest;
        SlotADigest = s.SlotA.Digest;
        SlotBDigest = s.SlotB.Digest;
        ConfirmedSlot = Confirmed(s);
        var trial = s.SlotA.IsTrial ? Slot.A : s.SlotB.IsTrial ? Slot.B : Slot.Unspecified;
        TrialSlot = SlotName(trial);
        TrialTriesLeft = s.SlotOf(trial).TriesLeft;
        Rollbacks = (long)s.Counters.Rollbacks;
    }

    private static string Confirmed(NodeState s)
    {
        var a = s.SlotA is { Successful: true, Priority: > 0 };
        var b = s.SlotB is { Successful: true, Priority: > 0 };
        if (a && b) return s.SlotA.Priority >= s.SlotB.Priority ? "A" : "B";
        return a ? "A" : b ? "B" : "";
    }

    internal static string SlotName(Slot s) => s switch { Slot.A => "A", Slot.B => "B", _ => "" };
}
