using Talos.Api.Events;

namespace Talos.Core.State;

public sealed partial record NodeState
{
    /// <summary>Priority of the preferred slot. Priorities are kept normalised to 0 (never boot), 1 (fallback)
    /// and 2 (preferred), so only their order matters (Android uses 0..15 the same way).</summary>
    internal const uint PreferredPriority = 2;

    private NodeState OnDiskLaidOut(DiskLaidOut d) => this with
    {
        // A fresh layout means fresh, empty slots: nothing on the disk is bootable yet.
        DiskGuid = d.DiskGuid,
        SlotA = SlotState.Empty,
        SlotB = SlotState.Empty,
        Installed = false,
    };

    private NodeState OnImageWritten(NodeEvent e)
    {
        var w = e.ImageWrittenToSlot;
        if (w.Slot == Slot.Unspecified)
            return WithAnomaly(e.Sequence, "image written to an unspecified slot; ignored");
        var s = this;
        // Invariant 2: an upgrade never writes the confirmed slot the node runs from.
        if (BootedSlot == w.Slot && SlotOf(w.Slot).Successful)
            s = s.WithAnomaly(e.Sequence, $"image written over the confirmed running slot {w.Slot}");
        var other = SlotOf(Other(w.Slot));
        if (other.Successful && other.HasImage)
            s = s with { Counters = s.Counters with { Upgrades = s.Counters.Upgrades + 1 } };
        // Until TrialBootSet the new content is not bootable (priority 0).
        return s.WithSlot(w.Slot, new SlotState(w.Digest, w.Version, w.ImageRef, w.Size, 0, 0, false));
    }

    private NodeState OnTrialBootSet(NodeEvent e)
    {
        var t = e.TrialBootSet;
        var slot = SlotOf(t.Slot);
        if (!slot.HasImage)
            return WithAnomaly(e.Sequence, $"trial boot set on empty slot {t.Slot}; ignored");
        var s = this;
        if (t.Tries == 0)
            s = s.WithAnomaly(e.Sequence, $"trial boot of slot {t.Slot} set with zero tries: it will never boot");
        return s.WithSlot(t.Slot, slot with { TriesLeft = t.Tries, TriesBudget = t.Tries, Successful = false }).Prefer(t.Slot) with
        {
            Installed = true,
        };
    }

    private NodeState OnBootAttempted(NodeEvent e)
    {
        var b = e.BootAttempted;
        if (b.Slot == Slot.Unspecified)
            return WithAnomaly(e.Sequence, "boot attempted on an unspecified slot; ignored");
        var slot = SlotOf(b.Slot);
        var s = this with
        {
            AttemptedSlot = b.Slot,
            Counters = Counters with { Boots = Counters.Boots + 1 },
            Health = Health.Clear(),
            BootedSlot = Slot.Unspecified,
            BootedVersion = "",
            BootedDigest = "",
        };
        if (!slot.HasImage || slot.Priority == 0)
            return s.WithAnomaly(e.Sequence, $"boot attempted on unbootable slot {b.Slot}");
        if (slot.Successful)
            return b.Trial ? s.WithAnomaly(e.Sequence, $"slot {b.Slot} is confirmed but the attempt was marked trial") : s;
        if (slot.TriesLeft == 0)
            return s.WithAnomaly(e.Sequence, $"trial slot {b.Slot} attempted with no tries left");
        var left = slot.TriesLeft - 1;
        if (b.TriesLeft != left || !b.Trial)
            s = s.WithAnomaly(e.Sequence, $"trial attempt of slot {b.Slot} says tries_left={b.TriesLeft} trial={b.Trial}, state says {left}");
        return s.WithSlot(b.Slot, slot with { TriesLeft = left });
    }

    private NodeState OnBooted(NodeEvent e)
    {
        var b = e.Booted;
        if (b.Slot == Slot.Unspecified)
            return WithAnomaly(e.Sequence, "booted an unspecified slot; ignored");
        var s = this with
        {
            BootedSlot = b.Slot,
            BootedVersion = b.Version,
            BootedDigest = b.MeasuredDigest,
            InMaintenance = false,
        };
        if (b.Slot != AttemptedSlot)
            s = s.WithAnomaly(e.Sequence, $"booted slot {b.Slot} but slot {AttemptedSlot} was attempted");
        // Invariant 1: the boot loader never boots a slot whose content differs from its recorded digest.
        if (!string.Equals(SlotOf(b.Slot).Digest, b.MeasuredDigest, StringComparison.Ordinal))
            s = s.WithAnomaly(e.Sequence, $"booted slot {b.Slot} measured {b.MeasuredDigest}, recorded {SlotOf(b.Slot).Digest}");
        return s;
    }

    private NodeState OnHealth(HealthCheckResult h) =>
        this with { Health = Health.SetItem(h.Check, new HealthCheck(h.Check, h.Passed, h.Detail)) };

    private NodeState OnBootConfirmed(NodeEvent e)
    {
        var c = e.BootConfirmed;
        var slot = SlotOf(c.Slot);
        if (c.Slot != BootedSlot || !slot.HasImage)
            return WithAnomaly(e.Sequence, $"boot confirmed for slot {c.Slot} but the node booted {BootedSlot}");
        return WithSlot(c.Slot, slot with { Successful = true, TriesLeft = 0, TriesBudget = 0, Priority = Math.Max(slot.Priority, 1) })
            with { Installed = true };
    }

    private NodeState OnRolledBack(NodeEvent e)
    {
        var r = e.RolledBack;
        var s = this with
        {
            Counters = Counters with { Rollbacks = Counters.Rollbacks + 1 },
            LastError = $"rolled back from {r.From} to {r.To} ({r.Reason}): {r.Detail}",
        };
        var to = SlotOf(r.To);
        // To = Unspecified is legitimate: an automatic rollback with no confirmed slot to return to (a first install
        // whose trial failed) leaves the node in maintenance. Naming an empty A or B slot is not.
        if (!to.HasImage && r.To != Slot.Unspecified)
            s = s.WithAnomaly(e.Sequence, $"rolled back to empty slot {r.To}");
        var source = SlotOf(r.From);
        if (r.Reason == RollbackReason.Manual)
        {
            // Manual rollback keeps both images: the target simply outranks the current slot.
            return to.HasImage ? s.Prefer(r.To) : s;
        }
        // Automatic rollback: the abandoned slot is never booted again until rewritten.
        s = s.WithSlot(r.From, source with { Priority = 0, TriesLeft = 0, Successful = false });
        return to.HasImage ? s.Prefer(r.To) : s;
    }

    private NodeState OnForensicMismatch(ForensicDigestMismatch f) => this with
    {
        Counters = Counters with { ForensicMismatches = Counters.ForensicMismatches + 1 },
        LastError = $"forensic digest mismatch in {f.Area}: expected {f.Expected}, found {f.Actual}",
    };

    /// <summary>Makes <paramref name="slot"/> preferred; the other slot stays bootable (1) if it was.</summary>
    private NodeState Prefer(Slot slot)
    {
        var other = SlotOf(Other(slot));
        return WithSlot(slot, SlotOf(slot) with { Priority = PreferredPriority })
            .WithSlot(Other(slot), other with { Priority = other.Priority > 0 ? 1u : 0u });
    }

    internal static Slot Other(Slot s) => s switch
    {
        Slot.A => Slot.B,
        Slot.B => Slot.A,
        _ => Slot.Unspecified,
    };
}
