using Talos.Api.Events;

namespace Talos.Core.Boot;

/// <summary>The kind of a boot decision.</summary>
public enum BootKind
{
    /// <summary>Boot a confirmed (successful) slot normally.</summary>
    Normal,
    /// <summary>Boot an unconfirmed slot as a trial; one try is consumed by this attempt.</summary>
    Trial,
    /// <summary>The preferred slot cannot be booted; boot another one instead (see <see cref="BootChoice.Reason"/>).</summary>
    Fallback,
    /// <summary>No slot can be booted: start in maintenance mode.</summary>
    Maintenance,
}

/// <summary>Why the preferred slot was passed over (or why nothing boots).</summary>
public enum SkipReason
{
    /// <summary>Nothing was skipped.</summary>
    None,
    /// <summary>The slot's measured digest differs from the recorded one (or it could not be measured).</summary>
    DigestMismatch,
    /// <summary>The trial slot has no tries left.</summary>
    TriesExhausted,
    /// <summary>The node has never been installed / no slot holds an image.</summary>
    NotInstalled,
}

/// <summary>
/// A boot decision. <see cref="Slot"/> is the slot to jump into (Unspecified for maintenance).
/// <see cref="Trial"/> says the boot consumes a try; <see cref="TriesLeftAfter"/> is what BootAttempted records.
/// For <see cref="BootKind.Fallback"/>, <see cref="SkippedSlot"/> and <see cref="Reason"/> say what was passed over.
/// </summary>
public sealed record BootChoice(BootKind Kind, Slot Slot, bool Trial, uint TriesLeftAfter, Slot SkippedSlot, SkipReason Reason, string Detail)
{
    /// <summary>The BootAttempted payload the boot loader appends before jumping (null for maintenance).</summary>
    public BootAttempted? ToBootAttempted() =>
        Kind == BootKind.Maintenance ? null : new BootAttempted { Slot = Slot, Trial = Trial, TriesLeft = TriesLeftAfter };

    /// <summary>
    /// For a <see cref="BootKind.Fallback"/>: the RolledBack event the boot loader appends before BootAttempted,
    /// with its evidence (failed checks of the last boot, tries used on the skipped slot). Null otherwise.
    /// </summary>
    public RolledBack? ToRolledBack(State.NodeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Kind != BootKind.Fallback)
            return null;
        var skipped = state.SlotOf(SkippedSlot);
        var r = new RolledBack
        {
            From = SkippedSlot,
            To = Slot,
            Reason = Reason == SkipReason.DigestMismatch ? RollbackReason.DigestMismatch : RollbackReason.TriesExhausted,
            Detail = Detail,
            TriesUsed = skipped.TriesUsed,
        };
        r.FailedChecks.AddRange(state.FailedChecks);
        return r;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        BootKind.Normal => $"boot slot {Slot}",
        BootKind.Trial => $"trial boot of slot {Slot} ({TriesLeftAfter} tries left after this attempt)",
        BootKind.Fallback => $"fall back to slot {Slot}{(Trial ? " (trial)" : "")}: slot {SkippedSlot} skipped ({Reason}: {Detail})",
        _ => $"no bootable slot, maintenance mode ({Reason}: {Detail})",
    };
}
