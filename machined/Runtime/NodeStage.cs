namespace Talos.Machined.Runtime;

/// <summary>Upstream's machine stages (MachineStatusSpec.stage, MACHINE_STAGE_*), numbered as upstream.</summary>
public enum NodeStage
{
    /// <summary>Not powered on.</summary>
    Unknown = 0,
    /// <summary>Boot loader and boot sequence running.</summary>
    Booting = 1,
    /// <summary>Install sequence running.</summary>
    Installing = 2,
    /// <summary>Waiting for a machine config (blank disk, reset node, or no bootable slot).</summary>
    Maintenance = 3,
    /// <summary>Booted and serving.</summary>
    Running = 4,
    /// <summary>Going down for a reboot.</summary>
    Rebooting = 5,
    /// <summary>Going down for good.</summary>
    ShuttingDown = 6,
    /// <summary>Reset sequence running.</summary>
    Resetting = 7,
    /// <summary>Upgrade sequence running.</summary>
    Upgrading = 8,
}
