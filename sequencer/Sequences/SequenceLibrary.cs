using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using static Talos.Sequencer.Sequences.DiskTasks;
using static Talos.Sequencer.Sequences.ServiceTasks;

namespace Talos.Sequencer.Sequences;

/// <summary>
/// Every sequence as a pure function of its typed request (STYLE.md §1), following upstream's metal-mode phase
/// lists (talos-internals.md §1.3). Where upstream runs one opaque <c>install</c>/<c>upgrade</c> task (the installer
/// container), the disk steps are separate tasks here so each has its own write-ahead record and recovery.
/// </summary>
public static class SequenceLibrary
{
    /// <summary>Builds the phase list of any request (validating it first).</summary>
    public static IReadOnlyList<Phase> Build(ISequenceRequest request) => request switch
    {
        BootRequest r => Boot(r),
        InitializeRequest r => Initialize(r),
        InstallRequest r => Install(r),
        UpgradeRequest { Stage: true } r => StageUpgrade(new StageUpgradeRequest(r.Validate().Image, r.RebootMode, r.Preserve)),
        UpgradeRequest r => Upgrade(r),
        StageUpgradeRequest r => StageUpgrade(r),
        ResetRequest r => Reset(r),
        RollbackRequest r => Rollback(r),
        RebootRequest r => Reboot(r),
        ShutdownRequest r => Shutdown(r),
        ApplyConfigRequest r => ApplyConfig(r),
        MaintenanceUpgradeRequest r => MaintenanceUpgrade(r),
        EmergencyVolumeCleanupRequest r => EmergencyVolumeCleanup(r),
        _ => throw new ArgumentException($"no sequence for request type {request.GetType().Name}", nameof(request)),
    };

    /// <summary>initialize: early services, META, optional wipe, then config (maintenance mode until one arrives).</summary>
    public static IReadOnlyList<Phase> Initialize(InitializeRequest r) => new PhaseListBuilder()
        .Append("systemRequirements", EnforceKsppRequirements)
        .Append("earlyServices", StartMachined, StartApid, StartContainerd)
        .Append("meta", ReloadMeta)
        .AppendDeferred("cleanupBootloader", new("installed", c => c.Facts.Installed), CleanupBootloader)
        .AppendWhen(!r.AgentMode, "dashboard", StartDashboard)
        .AppendDeferred("wipeDisks", new("kernel arg talos.experimental.wipe set", c => c.Facts.KernelArgs.ContainsKey("talos.experimental.wipe")), ResetSystemDiskPartitions)
        .Append("config", LoadConfig)
        .Build();

    /// <summary>boot: checks, volumes, user setup, services.</summary>
    public static IReadOnlyList<Phase> Boot(BootRequest r) => new PhaseListBuilder()
        .Append("memorySizeCheck", MemorySizeCheck)
        .Append("diskSizeCheck", DiskSizeCheck)
        .Append("env", SetUserEnvVars)
        .Append("dbus", StartDbus)
        .Append("ephemeral", MountEphemeralPartition)
        .Append("promotableVolumes", MountPromotableSystemPartitions)
        .Append("userDisks", MountUserDisks.PauseOnFailure())
        .Append("userSetup", WriteUserFiles.PauseOnFailure())
        .Append("startEverything", StartAllServices)
        .Build();

    /// <summary>install: runs when not installed or a staged upgrade waits; lays out the disk, writes slot A, reboots.</summary>
    public static IReadOnlyList<Phase> Install(InstallRequest r)
    {
        r.Validate();
        return new PhaseListBuilder()
            .Append("env", SetUserEnvVars)
            .Append("partition", PartitionDisk)
            .Append("format", FormatPartitions)
            .Append("install", WriteBootSlot, InstallBootloader)
            .Append("meta", ReloadMeta)
            .Append("saveMeta", FlushMeta)
            .Append("denyNewServices", DenyNewServices)
            .Append("volumeFinalize", TeardownVolumeLifecycle)
            .Append("stopEverything", StopAllServices)
            .Append("kexec", KexecPrepare)
            .Append("reboot", ServiceTasks.Reboot)
            .Build();
    }

    /// <summary>upgrade (legacy API path): tear down, write and verify the inactive slot, mark the trial, reboot.</summary>
    public static IReadOnlyList<Phase> Upgrade(UpgradeRequest r)
    {
        r.Validate();
        return new PhaseListBuilder()
            .Append("denyNewServices", DenyNewServices)
            .AppendWhen(!r.Force, "drain", CordonAndDrainNode)
            .Append("cleanup", StopAllPods)
            .Append("dbus", StopDbus)
            .Append("stopServices", StopServicesEphemeral)
            .Append("unmount", UnmountPodMounts)
            .Append("unmountBind", UnmountSystemDiskBindMounts)
            .Append("unmountPromotable", UnmountPromotable)
            .Append("unmountSystem", UnmountEphemeralPartition)
            .Append("volumeFinalize", TeardownVolumeLifecycle)
            .Append("upgrade", WriteInactiveSlot)
            .Append("verify", VerifyInactiveSlot)
            .Append("trialBoot", SetTrialBoot)
            .Append("meta", ReloadMeta)
            .AppendWhen(r.RebootMode == RebootMode.Default, "kexec", KexecPrepare)
            .Append("stopEverything", StopAllServices)
            .Append("reboot", ServiceTasks.Reboot)
            .Build();
    }

    /// <summary>maintenanceUpgrade: write, verify and mark the inactive slot, then reboot (nothing to tear down).</summary>
    public static IReadOnlyList<Phase> MaintenanceUpgrade(MaintenanceUpgradeRequest r)
    {
        r.Validate();
        return new PhaseListBuilder()
            .Append("upgrade", WriteInactiveSlot)
            .Append("verify", VerifyInactiveSlot)
            .Append("trialBoot", SetTrialBoot)
            .Append("meta", ReloadMeta)
            .AppendWhen(r.RebootMode == RebootMode.Default, "kexec", KexecPrepare)
            .Append("stopEverything", StopAllServices)
            .Append("reboot", ServiceTasks.Reboot)
            .Build();
    }

    /// <summary>emergencyVolumeCleanup: unmount everything so the disk is consistent before the fatal-error reboot.</summary>
    public static IReadOnlyList<Phase> EmergencyVolumeCleanup(EmergencyVolumeCleanupRequest r) => new PhaseListBuilder()
        .Append("denyNewServices", DenyNewServices)
        .Append("umount", UnmountPodMounts)
        .Append("unmountBind", UnmountSystemDiskBindMounts)
        .Append("unmountPromotable", UnmountPromotable)
        .Append("unmountSystem", UnmountEphemeralPartition)
        .Append("volumeFinalize", TeardownVolumeLifecycle)
        .Build();

    /// <summary>
    /// stageUpgrade (issue #7: "write now, switch at the next reboot"): write and verify the inactive slot and mark it
    /// as the trial while the node keeps running; no reboot. Upstream's staged upgrade reboots at once and installs
    /// during the next boot; with two raw slots the write needs no quiet system, so the node keeps serving.
    /// </summary>
    public static IReadOnlyList<Phase> StageUpgrade(StageUpgradeRequest r) => new PhaseListBuilder()
        .Append("stage", StageUpgradeImage)
        .Build();

    /// <summary>reset: optional graceful teardown, stopAll (best effort), wipe, then reboot or power off.</summary>
    public static IReadOnlyList<Phase> Reset(ResetRequest r)
    {
        r.Validate();
        var systemDisk = r.Mode is WipeMode.All or WipeMode.SystemDisk;
        var bootWiped = r.Labels.Count == 0 || r.Labels.Contains("BOOT-A") || r.Labels.Contains("BOOT-B") || r.Labels.Contains("EFI");
        return new PhaseListBuilder()
            .AppendWhen(r.Graceful, "drain", CordonAndDrainNode.AsBestEffort())
            .Append("cleanup", (r.Graceful ? RemoveAllPods : StopAllPods).AsBestEffort())
            .Append("dbus", StopDbus.AsBestEffort())
            .AppendWhen(r.Graceful && r.ControlPlane, "leave", LeaveEtcd)
            .Append("preReset", SendResetSignal)
            .AppendList(StopAll(kexec: !systemDisk || !bootWiped).Select(p => p with { Tasks = p.Tasks.Select(t => t.AsBestEffort()).ToArray() }))
            .Append("forceCleanup", ForceCleanup)
            .AppendWhen(systemDisk && r.Labels.Count == 0, "reset", ResetSystemDisk)
            .AppendWhen(systemDisk && r.Labels.Count > 0, "resetSpec", ResetSystemDiskSpec)
            .AppendWhen(r.UserDisks.Count > 0 && r.Mode is WipeMode.All or WipeMode.UserDisks, "resetUserDisks", ResetUserDisks)
            .Append(r.Reboot ? "reboot" : "shutdown", r.Reboot ? ServiceTasks.Reboot : ServiceTasks.Shutdown)
            .Build();
    }

    /// <summary>rollback: make the previous confirmed slot the default, stop everything, reboot (upstream runs it with takeover).</summary>
    public static IReadOnlyList<Phase> Rollback(RollbackRequest r) => new PhaseListBuilder()
        .Append("revert", RevertBootloader)
        .Append("cleanup", StopAllPods)
        .Append("dbus", StopDbus)
        .AppendList(StopAll(kexec: false))
        .Append("reboot", ServiceTasks.Reboot)
        .Build();

    /// <summary>reboot: graceful teardown unless forced, then reboot.</summary>
    public static IReadOnlyList<Phase> Reboot(RebootRequest r)
    {
        var b = new PhaseListBuilder();
        if (r.Mode != RebootMode.Force)
            b.Append("cleanup", StopAllPods).Append("dbus", StopDbus).AppendList(StopAll(kexec: r.Mode == RebootMode.Default));
        return b.Append("reboot", ServiceTasks.Reboot).Build();
    }

    /// <summary>shutdown: drain unless forced, teardown, power off.</summary>
    public static IReadOnlyList<Phase> Shutdown(ShutdownRequest r) => new PhaseListBuilder()
        .AppendWhen(!r.Force, "drain", CordonAndDrainNode)
        .Append("cleanup", StopAllPods)
        .Append("dbus", StopDbus)
        .AppendList(StopAll(kexec: false))
        .Append("shutdown", ServiceTasks.Shutdown)
        .Build();

    /// <summary>applyConfig: write (or stage, or try) the config, then activate it live or reboot.</summary>
    public static IReadOnlyList<Phase> ApplyConfig(ApplyConfigRequest r)
    {
        var b = new PhaseListBuilder();
        _ = r.Mode switch
        {
            ApplyMode.Staged => b.Append("stageConfig", StageConfig),
            ApplyMode.Try => b.Append("tryConfig", TryConfig).Append("activate", ApplyConfigLive),
            ApplyMode.NoReboot or ApplyMode.Auto => b.Append("writeConfig", WriteConfig).Append("activate", ApplyConfigLive),
            ApplyMode.Reboot => b.Append("writeConfig", WriteConfig).Append("cleanup", StopAllPods).Append("dbus", StopDbus)
                .AppendList(StopAll(kexec: true)).Append("reboot", ServiceTasks.Reboot),
            _ => throw new ArgumentOutOfRangeException(nameof(r), r.Mode, "unknown apply mode"),
        };
        return b.Build();
    }

    /// <summary>The shared stopAll tail (metal): stop services, unmount, finalize volumes, stop everything, [kexec].</summary>
    public static IReadOnlyList<Phase> StopAll(bool kexec) => new PhaseListBuilder()
        .Append("denyNewServices", DenyNewServices)
        .Append("stopServices", StopServicesEphemeral)
        .Append("umount", UnmountPodMounts)
        .Append("unmountBind", UnmountSystemDiskBindMounts)
        .Append("unmountPromotable", UnmountPromotable)
        .Append("unmountSystem", UnmountEphemeralPartition)
        .Append("volumeFinalize", TeardownVolumeLifecycle)
        .Append("stopEverything", StopAllServices)
        .AppendWhen(kexec, "kexec", KexecPrepare)
        .Build();
}
