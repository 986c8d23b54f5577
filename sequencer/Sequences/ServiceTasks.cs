using Talos.Sequencer.Model;

namespace Talos.Sequencer.Sequences;

/// <summary>
/// Tasks whose effects are volatile (processes, mounts, pods): they write nothing to the disk. All are idempotent
/// and declare <see cref="TaskRecovery.Abandon"/>: after a power loss their effect is already undone by the reboot,
/// and continuing a half-run teardown in a freshly booted node would be meaningless, so recovery closes the sequence.
/// </summary>
public static class ServiceTasks
{
    private static TaskDescriptor V(string name) => new TaskDescriptor(name, "none", true, TaskRecovery.Drop).Validate();

    /// <summary>Checks kernel hardening settings. Disk: none. Idempotent; abandon after a crash.</summary>
    public static readonly TaskDescriptor EnforceKsppRequirements = V("enforceKsppRequirements");
    /// <summary>Starts machined's own API. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StartMachined = V("startMachined");
    /// <summary>Starts apid. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StartApid = V("startApid");
    /// <summary>Starts containerd. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StartContainerd = V("startContainerd");
    /// <summary>Starts the console dashboard. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StartDashboard = V("startDashboard");
    /// <summary>Reads the machine config from STATE, or waits in maintenance mode for one. Disk: reads STATE. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor LoadConfig = V("loadConfig");
    /// <summary>Warns when memory is below the minimum. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor MemorySizeCheck = V("memorySizeCheck");
    /// <summary>Warns when the system disk is below 6 GiB. Disk: reads size. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor DiskSizeCheck = V("diskSizeCheck");
    /// <summary>Sets environment variables from the config. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor SetUserEnvVars = V("setUserEnvVars");
    /// <summary>Starts the D-Bus shim. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StartDbus = V("startDbus");
    /// <summary>Stops the D-Bus shim. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StopDbus = V("stopDbus");
    /// <summary>Starts every service and waits until each is up or finished. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StartAllServices = V("startAllServices");
    /// <summary>Stops all pods. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StopAllPods = V("stopAllPods");
    /// <summary>Stops and removes all pods. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor RemoveAllPods = V("removeAllPods");
    /// <summary>Cordons the node and evicts its pods. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor CordonAndDrainNode = V("cordonAndDrainNode");
    /// <summary>Removes this member from etcd. Disk: none here (etcd data is wiped by reset). Idempotent; abandon.</summary>
    public static readonly TaskDescriptor LeaveEtcd = V("leaveEtcd");
    /// <summary>Signals processes that a reset is coming. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor SendResetSignal = V("sendResetSignal");
    /// <summary>Refuses to start new services. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor DenyNewServices = V("denyNewServices");
    /// <summary>Stops services that use EPHEMERAL (cri, etcd, kubelet...). Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StopServicesEphemeral = V("stopServicesEphemeral");
    /// <summary>Unmounts pod mounts. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor UnmountPodMounts = V("unmountPodMounts");
    /// <summary>Unmounts bind mounts of the system disk. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor UnmountSystemDiskBindMounts = V("unmountSystemDiskBindMounts");
    /// <summary>Unmounts promotable system volumes. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor UnmountPromotable = V("unmountPromotable");
    /// <summary>Unmounts EPHEMERAL. Disk: flushes it. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor UnmountEphemeralPartition = V("unmountEphemeralPartition");
    /// <summary>Ends the volume manager's lifecycle. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor TeardownVolumeLifecycle = V("teardownVolumeLifecycle");
    /// <summary>Stops every remaining service. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor StopAllServices = V("stopAllServices");
    /// <summary>Loads the default boot entry for kexec. Disk: reads EFI and the slot. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor KexecPrepare = V("kexecPrepare");
    /// <summary>Kills all processes and unmounts everything. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor ForceCleanup = V("forceCleanup");
    /// <summary>Applies a config to running services without a reboot. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor ApplyConfigLive = V("applyConfigLive");
    /// <summary>Returns <c>TaskOutcome.Reboot</c>. Disk: none. Idempotent; abandon (the power loss rebooted).</summary>
    public static readonly TaskDescriptor Reboot = V("reboot");
    /// <summary>Returns <c>TaskOutcome.PowerOff</c>. Disk: none. Idempotent; abandon.</summary>
    public static readonly TaskDescriptor Shutdown = V("shutdown");
}
