using Talos.Sequencer.Model;

namespace Talos.Sequencer.Locking;

/// <summary>
/// Upstream's take-over table (talos-internals.md §1.4): which running sequence a requested one may pre-empt
/// without an explicit takeover. Truth table (running ⇒ may be pre-empted by):
/// <code>
/// running                 | initialize boot reboot reset upgrade maintUpg emergCleanup others
/// ------------------------+-------------------------------------------------------------------
/// noop (idle)             |  always granted (no pre-emption needed)
/// initialize              |     .       .    yes     .     .       yes       yes         .
/// boot                    |     .       .    yes    yes   yes       .        yes         .
/// reboot                  |     .       .    yes     .     .        .         .          .
/// reset                   |     .       .    yes     .     .        .         .          .
/// applyConfig (addition)  |     .       .    yes     .     .        .         .          .
/// install, upgrade, stageUpgrade, maintenanceUpgrade, shutdown, emergencyVolumeCleanup,
/// rollback (addition)     |  nothing: only an explicit Takeover
/// </code>
/// </summary>
public static class TakeoverTable
{
    /// <summary>True when <paramref name="requested"/> may pre-empt <paramref name="running"/> without a takeover.</summary>
    public static bool MayPreempt(SequenceName running, SequenceName requested) => running switch
    {
        SequenceName.Noop => true,
        SequenceName.Initialize => requested is SequenceName.MaintenanceUpgrade or SequenceName.Reboot or SequenceName.EmergencyVolumeCleanup,
        SequenceName.Boot => requested is SequenceName.Reboot or SequenceName.Reset or SequenceName.Upgrade or SequenceName.EmergencyVolumeCleanup,
        SequenceName.Reboot or SequenceName.Reset => requested is SequenceName.Reboot,
        // Project addition: activating a config is as interruptible as reset (a reboot supersedes it).
        SequenceName.ApplyConfig => requested is SequenceName.Reboot,
        _ => false,
    };
}
