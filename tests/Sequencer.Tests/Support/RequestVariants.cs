using Talos.Sequencer.Requests;

namespace Talos.Sequencer.Tests.Support;

/// <summary>Every sequence × mode × request variant that is snapshotted and crash-tested.</summary>
public static class RequestVariants
{
    public static readonly IReadOnlyList<(string Name, ISequenceRequest Request)> All =
    [
        ("boot", new BootRequest()),
        ("initialize", new InitializeRequest()),
        ("initialize-agent", new InitializeRequest(AgentMode: true)),
        ("install", new InstallRequest("/dev/sda", "ghcr.io/siderolabs/installer:v1.14.0")),
        ("upgrade", new UpgradeRequest("ghcr.io/siderolabs/installer:v1.14.1")),
        ("upgrade-force-powercycle", new UpgradeRequest("ghcr.io/siderolabs/installer:v1.14.1", Force: true, RebootMode: RebootMode.PowerCycle)),
        ("upgrade-stage", new UpgradeRequest("ghcr.io/siderolabs/installer:v1.14.1", Stage: true)),
        ("maintenanceUpgrade", new MaintenanceUpgradeRequest("ghcr.io/siderolabs/installer:v1.14.1")),
        ("emergencyVolumeCleanup", new EmergencyVolumeCleanupRequest()),
        ("stageUpgrade-powercycle", new StageUpgradeRequest("ghcr.io/siderolabs/installer:v1.14.1", RebootMode.PowerCycle)),
        ("reset", new ResetRequest()),
        ("reset-reboot-labels", new ResetRequest(Reboot: true, SystemLabelsToWipe: ["STATE", "EPHEMERAL"])),
        ("reset-ungraceful-worker", new ResetRequest(Graceful: false, ControlPlane: false, Mode: WipeMode.SystemDisk)),
        ("reset-userdisks", new ResetRequest(Mode: WipeMode.UserDisks, UserDisksToWipe: ["/dev/sdb"])),
        ("rollback", new RollbackRequest()),
        ("reboot", new RebootRequest()),
        ("reboot-powercycle", new RebootRequest(RebootMode.PowerCycle)),
        ("reboot-force", new RebootRequest(RebootMode.Force)),
        ("shutdown", new ShutdownRequest()),
        ("shutdown-force", new ShutdownRequest(Force: true)),
        ("applyConfig-reboot", new ApplyConfigRequest(ApplyMode.Reboot)),
        ("applyConfig-noReboot", new ApplyConfigRequest(ApplyMode.NoReboot)),
        ("applyConfig-staged", new ApplyConfigRequest(ApplyMode.Staged)),
        ("applyConfig-try", new ApplyConfigRequest(ApplyMode.Try)),
    ];

    public static IEnumerable<object[]> Names() => All.Select(v => new object[] { v.Name });

    public static ISequenceRequest Get(string name) => All.Single(v => v.Name == name).Request;
}
