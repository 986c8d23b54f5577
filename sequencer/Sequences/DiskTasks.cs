using Talos.Sequencer.Model;

namespace Talos.Sequencer.Sequences;

/// <summary>
/// Tasks with durable effects on the system disk, each with its declared crash recovery. Compensation tasks are
/// listed too (they are catalog names; each is idempotent because recovery may itself be interrupted).
/// </summary>
public static class DiskTasks
{
    private static TaskDescriptor R(string name, string disk) => new TaskDescriptor(name, disk, true, TaskRecovery.Rerun).Validate();
    private static TaskDescriptor C(string name, string disk, string comp) => new TaskDescriptor(name, disk, true, TaskRecovery.CompensateWith(comp)).Validate();

    /// <summary>Reads the META log into memory. Disk: read only. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor ReloadMeta = R("reloadMeta", "reads META");
    /// <summary>Appends the in-memory META keys to the log and flushes. Disk: appends to META. Idempotent (keys are set, not added); re-run.</summary>
    public static readonly TaskDescriptor FlushMeta = R("flushMeta", "appends META records");
    /// <summary>Removes dual-boot leftovers from the boot loader area. Disk: rewrites the EFI descriptor. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor CleanupBootloader = R("cleanupBootloader", "rewrites EFI descriptor");
    /// <summary>Wipes system partitions named by <c>talos.experimental.wipe</c> and asks for a reboot. Disk: zeroes partitions. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor ResetSystemDiskPartitions = R("resetSystemDiskPartitions", "zeroes listed partitions");
    /// <summary>Mounts EPHEMERAL, initialising it when blank. Disk: may write the EPHEMERAL header. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor MountEphemeralPartition = R("mountEphemeralPartition", "may initialise EPHEMERAL header");
    /// <summary>Mounts STATE and other promotable volumes. Disk: may initialise STATE. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor MountPromotableSystemPartitions = R("mountPromotableSystemPartitions", "may initialise STATE");
    /// <summary>Mounts user disks; failure pauses (upstream pause-on-failure). Disk: none on the system disk. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor MountUserDisks = R("mountUserDisks", "none on system disk");
    /// <summary>Writes files from the config under /var. Disk: writes EPHEMERAL. Idempotent (overwrites); re-run.</summary>
    public static readonly TaskDescriptor WriteUserFiles = R("writeUserFiles", "writes EPHEMERAL files");
    /// <summary>Writes the GPT (protective MBR, headers, entries). Disk: sectors 0-33 and the last 33; on a disk without a
    /// table, first the headers of META, STATE and EPHEMERAL at their planned places (old contents must not come back with
    /// the new table). A torn table is worse than none: compensated by <c>wipePartitionTable</c>, then the install is
    /// abandoned and redone.</summary>
    public static readonly TaskDescriptor PartitionDisk = C("partitionDisk", "wipes planned META/STATE/EPHEMERAL headers (no table yet), writes GPT", "wipePartitionTable");
    /// <summary>Compensation of <c>partitionDisk</c>: zeroes both GPT copies. Disk: sectors 0-33 and the last 33. Idempotent.</summary>
    public static readonly TaskDescriptor WipePartitionTable = R("wipePartitionTable", "zeroes GPT");
    /// <summary>Writes empty META and STATE structures. Disk: META superblocks, STATE header. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor FormatPartitions = R("formatPartitions", "writes META/STATE headers");
    /// <summary>Writes the image into BOOT-A. Disk: whole BOOT-A. Idempotent (same bytes); re-run.</summary>
    public static readonly TaskDescriptor WriteBootSlot = R("writeBootSlot", "writes BOOT-A");
    /// <summary>Writes the boot loader descriptor (default = A). Disk: EFI. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor InstallBootloader = R("installBootloader", "writes EFI descriptor");
    /// <summary>Writes the image into the slot that is not confirmed (invariant 2). Disk: whole inactive BOOT slot. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor WriteInactiveSlot = R("writeInactiveSlot", "writes inactive BOOT slot");
    /// <summary>Re-reads the inactive slot and compares its digest. Disk: read only. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor VerifyInactiveSlot = R("verifyInactiveSlot", "reads inactive BOOT slot");
    /// <summary>Appends TrialBootSet for the new slot to META. Disk: META append. An upgrade interrupted here is abandoned and
    /// the trial mark compensated by <c>clearTrialBoot</c>, so the node stays on its confirmed slot (invariant 3).</summary>
    public static readonly TaskDescriptor SetTrialBoot = C("setTrialBoot", "appends TrialBootSet to META", "clearTrialBoot");
    /// <summary>Compensation of <c>setTrialBoot</c>: appends a record that cancels the trial. Disk: META append. Idempotent.</summary>
    public static readonly TaskDescriptor ClearTrialBoot = R("clearTrialBoot", "appends trial cancel to META");
    /// <summary>Records a staged upgrade in META. Disk: META append. Compensated by <c>clearStagedUpgrade</c>.</summary>
    public static readonly TaskDescriptor StageUpgradeImage = C("stageUpgradeImage", "appends staged upgrade to META", "clearStagedUpgrade");
    /// <summary>Compensation of <c>stageUpgradeImage</c>. Disk: META append. Idempotent.</summary>
    public static readonly TaskDescriptor ClearStagedUpgrade = R("clearStagedUpgrade", "appends staged-upgrade removal to META");
    /// <summary>Wipes the whole system disk (signatures + first and last MiB). Disk: everything. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor ResetSystemDisk = R("resetSystemDisk", "wipes whole system disk");
    /// <summary>Wipes the listed system partitions and deletes their GPT entries. Disk: listed partitions + GPT. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor ResetSystemDiskSpec = R("resetSystemDiskSpec", "wipes listed partitions");
    /// <summary>Wipes the listed user disks. Disk: user disks only. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor ResetUserDisks = R("resetUserDisks", "wipes user disks");
    /// <summary>Makes the previous confirmed slot the default. Disk: META append. Idempotent (sets, not toggles); re-run.</summary>
    public static readonly TaskDescriptor RevertBootloader = R("revertBootloader", "appends RolledBack to META");
    /// <summary>Writes the new machine config to STATE (double-buffered, atomic). Disk: STATE. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor WriteConfig = R("writeConfig", "writes STATE record");
    /// <summary>Writes the config for the next boot only. Disk: STATE staged record. Idempotent; re-run.</summary>
    public static readonly TaskDescriptor StageConfig = R("stageConfig", "writes STATE staged record");
    /// <summary>Writes a config on trial (mode Try). Disk: STATE. Compensated by <c>restorePreviousConfig</c>: a crash ends the try.</summary>
    public static readonly TaskDescriptor TryConfig = C("tryConfig", "writes STATE record", "restorePreviousConfig");
    /// <summary>Compensation of <c>tryConfig</c>: rewrites the previous config. Disk: STATE. Idempotent.</summary>
    public static readonly TaskDescriptor RestorePreviousConfig = R("restorePreviousConfig", "writes STATE record");
}
