using Talos.Api.Events;

namespace Talos.Ctl.Client;

/// <summary>
/// What <c>--wait</c> waits for, decided event by event. The goal is stateful: an upgrade first learns its target slot
/// from the ImageWrittenToSlot/TrialBootSet events of its own actor, then succeeds on BootConfirmed of that slot (which
/// carries the boot's actor, not the upgrade's) and fails on RolledBack away from it. Old events (a previous boot's
/// BootConfirmed) therefore never end the wait, whatever point the stream starts from.
/// </summary>
public abstract class OperationGoal
{
    /// <summary>The operation's actor id (from the RPC reply).</summary>
    public string ActorId { get; set; } = "";

    /// <summary>null: keep following; a string: done with that success summary. Throws when the operation failed.</summary>
    /// <exception cref="NodeCommandException">The operation failed; the message carries the recorded reason.</exception>
    public abstract string? Observe(DecodedEvent e);

    /// <summary>
    /// Called when the stream drops: null to reconnect and keep following, or a success summary when a drop is the
    /// expected end (a node whose STATE was wiped comes back in maintenance mode, which this client's certificate
    /// cannot follow).
    /// </summary>
    public virtual string? OnDropped() => null;

    /// <summary>Throws for a failed sequence of this operation (both upstream's and Talos.NET's event shapes).</summary>
    protected void ThrowIfOwnSequenceFailed(DecodedEvent e, string what)
    {
        if (e.ActorId != ActorId || ActorId.Length == 0) return;
        if (e.Node?.PayloadCase == NodeEvent.PayloadOneofCase.SequenceFailed)
            throw new NodeCommandException($"{what} failed: {e.Node.SequenceFailed.Message}");
        if (e.Node is null && e.TypeUrl.EndsWith("machine.SequenceEvent", StringComparison.Ordinal) && e.Message.StartsWith("error: ", StringComparison.Ordinal))
            throw new NodeCommandException($"{what} failed: {e.Message["error: ".Length..]}");
    }

    /// <summary>Waits for an upgrade to be confirmed on the new slot.</summary>
    public sealed class Upgrade : OperationGoal
    {
        private Slot _target = Slot.Unspecified;

        /// <inheritdoc />
        public override string? Observe(DecodedEvent e)
        {
            ThrowIfOwnSequenceFailed(e, "upgrade");
            var n = e.Node;
            if (n is null) return null;
            if (e.ActorId == ActorId && n.PayloadCase == NodeEvent.PayloadOneofCase.ImageWrittenToSlot) _target = n.ImageWrittenToSlot.Slot;
            if (e.ActorId == ActorId && n.PayloadCase == NodeEvent.PayloadOneofCase.TrialBootSet) _target = n.TrialBootSet.Slot;
            if (_target == Slot.Unspecified) return null;
            if (n.PayloadCase == NodeEvent.PayloadOneofCase.BootConfirmed && n.BootConfirmed.Slot == _target)
                return $"upgrade confirmed: slot {NodeEventText.Slot(_target)} runs {n.BootConfirmed.Version}";
            if (n.PayloadCase == NodeEvent.PayloadOneofCase.RolledBack && n.RolledBack.From == _target)
                throw new NodeCommandException($"upgrade failed: {NodeEventText.RolledBack(n.RolledBack)}");
            return null;
        }
    }

    /// <summary>
    /// Waits for a reset to wipe and (with <c>--reboot</c>) for the node to come back: confirmed on a trial slot, or
    /// booted into its confirmed slot and through its boot sequence (issue #12: the node must be running, not still
    /// booting, when the wait ends, so the next command — e.g. <c>etcd members</c> — finds it ready, as upstream's
    /// post-check does).
    /// </summary>
    public sealed class Reset(bool reboot) : OperationGoal
    {
        private string? _wiped;
        private bool _statePreserved;
        private Slot _booted = Slot.Unspecified;

        /// <inheritdoc />
        public override string? OnDropped() =>
            _wiped is not null && reboot && !_statePreserved
                ? $"reset done: {_wiped}; the node reboots into maintenance mode (talk to it with --insecure)"
                : null;

        /// <inheritdoc />
        public override string? Observe(DecodedEvent e)
        {
            ThrowIfOwnSequenceFailed(e, "reset");
            var n = e.Node;
            if (n is null) return BootSequenceEnded(e);
            if (e.ActorId == ActorId && n.PayloadCase == NodeEvent.PayloadOneofCase.NodeReset)
            {
                _wiped = NodeEventText.Describe(n);
                _statePreserved = n.NodeReset.Preserve;
                return reboot ? null : $"reset done: {_wiped}";
            }
            if (_wiped is null || !reboot) return null;
            return n.PayloadCase switch
            {
                NodeEvent.PayloadOneofCase.MaintenanceEntered => $"reset done: {_wiped}; node is in maintenance mode",
                NodeEvent.PayloadOneofCase.BootConfirmed => $"reset done: {_wiped}; node booted slot {NodeEventText.Slot(n.BootConfirmed.Slot)}",
                // A reset reboots into the confirmed slot: a normal boot (no trial, so no BootConfirmed follows); the
                // boot sequence that follows ends the wait.
                NodeEvent.PayloadOneofCase.Booted => Remember(n.Booted.Slot),
                _ => null,
            };
        }

        private string? Remember(Slot slot)
        {
            _booted = slot;
            return null;
        }

        /// <summary>Upstream's SequenceEvent of the boot after the reset: Stop ends the wait, an error fails it.</summary>
        private string? BootSequenceEnded(DecodedEvent e)
        {
            if (_wiped is null || !reboot || _booted == Slot.Unspecified || e.Source != "boot" || !e.TypeUrl.EndsWith("machine.SequenceEvent", StringComparison.Ordinal))
                return null;
            if (e.Message.StartsWith("error: ", StringComparison.Ordinal))
                throw new NodeCommandException($"reset done ({_wiped}) but the node's boot failed: {e.Message["error: ".Length..]}");
            return e.Message == "Stop" ? $"reset done: {_wiped}; node booted slot {NodeEventText.Slot(_booted)}" : null;
        }
    }
}
