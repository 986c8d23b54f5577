using Talos.Sequencer.Errors;
using Talos.Sequencer.Model;

namespace Talos.Sequencer.Requests;

/// <summary>Run the boot sequence.</summary>
/// <param name="ControlPlane">The node is a control plane (etcd runs).</param>
public sealed record BootRequest(bool ControlPlane = true) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Boot;
    /// <inheritdoc />
    public string Describe() => $"controlPlane={Flag(ControlPlane)}";
    internal static string Flag(bool b) => b ? "true" : "false";
}

/// <summary>Run the initialize sequence (maintenance mode until a config arrives).</summary>
/// <param name="AgentMode">Agent mode: no dashboard.</param>
public sealed record InitializeRequest(bool AgentMode = false) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Initialize;
    /// <inheritdoc />
    public string Describe() => $"agentMode={BootRequest.Flag(AgentMode)}";
}

/// <summary>Install onto <paramref name="Disk"/> from <paramref name="Image"/>.</summary>
/// <param name="Disk">Path of the system disk.</param>
/// <param name="Image">Image reference of the first slot.</param>
/// <param name="Wipe">Zero the disk first even if it is not blank (upstream <c>--zero</c>).</param>
public sealed record InstallRequest(string Disk, string Image, bool Wipe = false) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Install;
    /// <inheritdoc />
    public string Describe() => $"disk={Disk} image={Image} wipe={BootRequest.Flag(Wipe)}";

    internal InstallRequest Validate()
    {
        if (string.IsNullOrWhiteSpace(Disk)) throw new InvalidSequenceRequestException("install", "disk", "must name the system disk");
        if (string.IsNullOrWhiteSpace(Image)) throw new InvalidSequenceRequestException("install", "image", "must name an image");
        // Recorded as space-separated key=value text (RequestCodec), so values must not contain whitespace.
        if (Disk.Any(char.IsWhiteSpace)) throw new InvalidSequenceRequestException("install", "disk", "must not contain whitespace");
        if (Image.Any(char.IsWhiteSpace)) throw new InvalidSequenceRequestException("install", "image", "must not contain whitespace");
        return this;
    }
}

/// <summary>Upgrade to <paramref name="Image"/>.</summary>
/// <param name="Image">Image reference to write into the inactive slot.</param>
/// <param name="Preserve">Kept for API compatibility: since upstream 1.8 upgrades never wipe data (talos-internals.md §2.3).</param>
/// <param name="Stage">Stage the upgrade and reboot; the install sequence applies it (runs <see cref="SequenceName.StageUpgrade"/>).</param>
/// <param name="Force">Skip the drain (upstream skips pre-checks when forced).</param>
/// <param name="RebootMode">Default kexecs into the new slot; PowerCycle cold-reboots.</param>
public sealed record UpgradeRequest(string Image, bool Preserve = false, bool Stage = false, bool Force = false, RebootMode RebootMode = RebootMode.Default) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => Stage ? SequenceName.StageUpgrade : SequenceName.Upgrade;
    /// <inheritdoc />
    public string Describe() => $"image={Image} preserve={BootRequest.Flag(Preserve)} stage={BootRequest.Flag(Stage)} force={BootRequest.Flag(Force)} rebootMode={RebootMode}";

    internal UpgradeRequest Validate()
    {
        if (string.IsNullOrWhiteSpace(Image)) throw new InvalidSequenceRequestException("upgrade", "image", "must name an image");
        if (Image.Any(char.IsWhiteSpace)) throw new InvalidSequenceRequestException("upgrade", "image", "must not contain whitespace");
        if (RebootMode == RebootMode.Force) throw new InvalidSequenceRequestException("upgrade", "rebootMode", "Force is not valid for an upgrade; use Default or PowerCycle");
        return this;
    }
}

/// <summary>Stage an upgrade to <paramref name="Image"/> and reboot.</summary>
public sealed record StageUpgradeRequest(string Image, RebootMode RebootMode = RebootMode.Default, bool Preserve = false) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.StageUpgrade;
    /// <inheritdoc />
    public string Describe() => $"image={Image} rebootMode={RebootMode} preserve={BootRequest.Flag(Preserve)}";
}

/// <summary>Reset the node.</summary>
/// <param name="Graceful">Drain, remove pods and (on control planes) leave etcd first.</param>
/// <param name="Reboot">Reboot afterwards instead of powering off.</param>
/// <param name="SystemLabelsToWipe">Wipe only these system partitions (empty = the whole system disk).</param>
/// <param name="Mode">Which disks to wipe.</param>
/// <param name="UserDisksToWipe">User disks (paths) wiped in modes All and UserDisks.</param>
/// <param name="ControlPlane">The node is a control plane (leaves etcd when graceful).</param>
public sealed record ResetRequest(bool Graceful = true, bool Reboot = false, IReadOnlyList<string>? SystemLabelsToWipe = null,
    WipeMode Mode = WipeMode.All, IReadOnlyList<string>? UserDisksToWipe = null, bool ControlPlane = true) : ISequenceRequest
{
    /// <summary>The system labels that may be wiped one by one.</summary>
    public static readonly IReadOnlyList<string> WipeableLabels = ["STATE", "EPHEMERAL", "META", "BOOT-A", "BOOT-B", "EFI"];

    /// <summary>Labels, never null.</summary>
    public IReadOnlyList<string> Labels => SystemLabelsToWipe ?? [];
    /// <summary>User disks, never null.</summary>
    public IReadOnlyList<string> UserDisks => UserDisksToWipe ?? [];
    /// <summary>True when STATE survives the reset (<c>reset --system-labels-to-wipe EPHEMERAL</c> ≈ upstream's preserve).</summary>
    public bool PreservesState => Labels.Count > 0 && !Labels.Contains("STATE");

    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Reset;
    /// <inheritdoc />
    public string Describe() =>
        $"graceful={BootRequest.Flag(Graceful)} reboot={BootRequest.Flag(Reboot)} mode={Mode} labels=[{string.Join(",", Labels)}] userDisks=[{string.Join(",", UserDisks)}] controlPlane={BootRequest.Flag(ControlPlane)}";

    internal ResetRequest Validate()
    {
        if (Mode == WipeMode.UserDisks && Labels.Count > 0)
            throw new InvalidSequenceRequestException("reset", "systemLabelsToWipe", "must be empty in mode UserDisks");
        if (Mode == WipeMode.SystemDisk && UserDisks.Count > 0)
            throw new InvalidSequenceRequestException("reset", "userDisksToWipe", "must be empty in mode SystemDisk");
        foreach (var l in Labels)
            if (!WipeableLabels.Contains(l))
                throw new InvalidSequenceRequestException("reset", "systemLabelsToWipe", $"unknown label '{l}' (known: {string.Join(", ", WipeableLabels)})");
        if (Labels.Distinct().Count() != Labels.Count)
            throw new InvalidSequenceRequestException("reset", "systemLabelsToWipe", "lists a label twice");
        return this;
    }
}

/// <summary>Make the previous confirmed slot the default and reboot.</summary>
public sealed record RollbackRequest : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Rollback;
    /// <inheritdoc />
    public string Describe() => "";
}

/// <summary>Reboot the node.</summary>
public sealed record RebootRequest(RebootMode Mode = RebootMode.Default) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Reboot;
    /// <inheritdoc />
    public string Describe() => $"mode={Mode}";
}

/// <summary>Power the node off.</summary>
/// <param name="Force">Skip the drain.</param>
public sealed record ShutdownRequest(bool Force = false) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.Shutdown;
    /// <inheritdoc />
    public string Describe() => $"force={BootRequest.Flag(Force)}";
}

/// <summary>Activate a machine config that machined has already validated.</summary>
public sealed record ApplyConfigRequest(ApplyMode Mode) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.ApplyConfig;
    /// <inheritdoc />
    public string Describe() => $"mode={Mode}";
}

/// <summary>Upgrade from maintenance mode (nothing runs yet, so there is nothing to stop first).</summary>
public sealed record MaintenanceUpgradeRequest(string Image, RebootMode RebootMode = RebootMode.Default) : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.MaintenanceUpgrade;
    /// <inheritdoc />
    public string Describe() => $"image={Image} rebootMode={RebootMode}";

    internal MaintenanceUpgradeRequest Validate()
    {
        if (string.IsNullOrWhiteSpace(Image)) throw new InvalidSequenceRequestException("maintenanceUpgrade", "image", "must name an image");
        if (RebootMode == RebootMode.Force) throw new InvalidSequenceRequestException("maintenanceUpgrade", "rebootMode", "Force is not valid for an upgrade; use Default or PowerCycle");
        return this;
    }
}

/// <summary>Unmount everything after a fatal sequence error (run by machined with takeover).</summary>
public sealed record EmergencyVolumeCleanupRequest : ISequenceRequest
{
    /// <inheritdoc />
    public SequenceName Sequence => SequenceName.EmergencyVolumeCleanup;
    /// <inheritdoc />
    public string Describe() => "";
}
