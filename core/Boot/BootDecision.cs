using Talos.Api.Events;
using Talos.Core.State;

namespace Talos.Core.Boot;

/// <summary>
/// The boot loader stage's decision, a pure function of the folded <see cref="NodeState"/> and the digests
/// measured on disk. Android's A/B model: among slots with priority &gt; 0 and (successful or tries left),
/// the highest priority wins (ties: A before B). Upstream Talos has no tries counter; we do (issue 4).
/// <list type="bullet">
/// <item>Invariant 1: a slot whose measured digest differs from its recorded digest is never chosen.</item>
/// <item>A trial slot with zero tries left is never chosen again.</item>
/// <item>If the preferred slot is unusable, the best remaining slot is a <see cref="BootKind.Fallback"/>.</item>
/// <item>No usable slot: <see cref="BootKind.Maintenance"/>.</item>
/// </list>
/// </summary>
public static class BootDecision
{
    private static readonly Slot[] Slots = [Slot.A, Slot.B];

    /// <summary>Decides which slot to boot.</summary>
    public static BootChoice Decide(NodeState state, MeasuredSlots measured)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(measured);
        // Candidates in preference order: priority desc, then A before B (stable order by slot number).
        var ranked = Slots
            .Where(s => state.SlotOf(s).HasImage && state.SlotOf(s).Priority > 0)
            .OrderByDescending(s => state.SlotOf(s).Priority)
            .ThenBy(s => (int)s)
            .ToList();
        if (ranked.Count == 0)
            return Maintenance(SkipReason.NotInstalled, "no slot holds a bootable image");

        (Slot Slot, SkipReason Reason, string Detail)? skipped = null;
        foreach (var slot in ranked)
        {
            var reason = Unusable(state.SlotOf(slot), measured.Of(slot), out var detail);
            if (reason == SkipReason.None)
                return Choose(state.SlotOf(slot), slot, skipped);
            skipped ??= (slot, reason, detail);
        }
        return Maintenance(skipped!.Value.Reason, $"slot {skipped.Value.Slot}: {skipped.Value.Detail}");
    }

    private static BootChoice Choose(SlotState s, Slot slot, (Slot Slot, SkipReason Reason, string Detail)? skipped)
    {
        var trial = !s.Successful;
        var left = trial ? s.TriesLeft - 1 : 0;
        if (skipped is { } k)
            return new BootChoice(BootKind.Fallback, slot, trial, left, k.Slot, k.Reason, k.Detail);
        return trial
            ? new BootChoice(BootKind.Trial, slot, true, left, Slot.Unspecified, SkipReason.None, "")
            : new BootChoice(BootKind.Normal, slot, false, 0, Slot.Unspecified, SkipReason.None, "");
    }

    private static SkipReason Unusable(SlotState s, string? measured, out string detail)
    {
        if (!string.Equals(measured, s.Digest, StringComparison.Ordinal))
        {
            detail = measured is null
                ? $"content could not be measured, recorded {s.Digest}"
                : $"measured {measured}, recorded {s.Digest}";
            return SkipReason.DigestMismatch;
        }
        if (!s.Successful && s.TriesLeft == 0)
        {
            detail = "trial has no tries left";
            return SkipReason.TriesExhausted;
        }
        detail = "";
        return SkipReason.None;
    }

    private static BootChoice Maintenance(SkipReason reason, string detail) =>
        new(BootKind.Maintenance, Slot.Unspecified, false, 0, Slot.Unspecified, reason, detail);
}
