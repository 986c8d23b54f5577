using System.Text;
using Talos.Api.Events;
using ApplyMode = Talos.Api.Events.ApplyMode;
using Talos.Core.Config;
using Talos.Core.Errors;
using Talos.Sequencer.Errors;
using Talos.Sequencer.Locking;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

/// <summary>A config submitted with an operation (apply-config, install), validated.</summary>
internal sealed record PendingConfig(MachineConfig Config, byte[] Bytes, ApplyMode Mode);

/// <summary>Inputs of the running operation that its tasks read (the sequence requests carry only the flags).</summary>
internal sealed class PendingInputs
{
    public PendingConfig? Config { get; set; }
    public bool FullWipe { get; set; }
    public bool ForceRollback { get; set; }
}

/// <summary>What an apply-config did.</summary>
/// <param name="ModeDetails">Upstream's wording, e.g. "Applied configuration without a reboot".</param>
/// <param name="Mode">The mode actually used (AUTO becomes NO_REBOOT as upstream).</param>
/// <param name="Warnings">Validation warnings.</param>
/// <param name="Diff">For dry runs: the changed paths.</param>
public sealed record ApplyResult(string ModeDetails, ApplyMode Mode, IReadOnlyList<string> Warnings, string Diff);

public sealed partial class NodeRuntime
{
    internal PendingInputs Pending { get; } = new();

    internal async Task AttachNewMetaAsync(CancellationToken ct)
    {
        // The journal has no log here (formatPartitions checks it), so a log object still held is not in use: close it
        // rather than drop it (an open log keeps its device, and a writer thread if it started one).
        _meta?.Dispose();
        _meta = Disk.OpenMeta(_o.Guids.Next(), _o.Time, RepairEvent, DropEvent, SignCheckpoint);
        ApplyMirrorGuard();
        await Journal.AttachAsync(_meta, ct);
    }

    internal void CloseStateStore()
    {
        _stateStore?.Dispose();
        _stateStore = null;
    }

    /// <summary>Upstream's ApplyConfiguration: validate everything first (bad input changes nothing), then act by mode.</summary>
    public async Task<ApplyResult> ApplyConfigurationAsync(byte[] data, ApplyMode mode, bool dryRun, CancellationToken ct, TimeSpan? tryTimeout = null)
    {
        var cfg = ApplyConfigAdmission.Admit(this, data, mode);   // stage, size, bounded parse, STATE capacity: before anything changes
        var warnings = cfg.Validate().Warnings;
        if (Stage == NodeStage.Maintenance) return await ApplyInMaintenanceAsync(cfg, data, warnings, dryRun, ct);
        if (Config is null) throw new NodeNotReadyException($"the node is {Stage}; apply-config needs a running node");
        if (mode == ApplyMode.Auto) mode = ApplyMode.NoReboot;   // upstream: AUTO → NO_REBOOT, reported as auto(no_reboot)
        var diff = string.Join("\n", MachineConfig.ChangedPaths(Config, cfg));
        if (dryRun) return new ApplyResult(DryRunSummary(mode, Config, cfg, diff), mode, warnings, diff);
        Pending.Config = new PendingConfig(cfg, data, mode);
        var handle = StartOperation(new ApplyConfigRequest((Talos.Sequencer.Requests.ApplyMode)(int)mode));
        var report = await handle.Completion;
        _ = ContinueAfterAsync(handle, CancellationToken.None);   // REBOOT mode ends in a reboot, like every other operation
        if (mode == ApplyMode.Try && report.Run?.Result == RunResult.Completed) ScheduleTryRevert(cfg, tryTimeout ?? TimeSpan.FromMinutes(1));
        return new ApplyResult(ModeText(mode), mode, warnings, diff);
    }

    private static string ModeText(ApplyMode mode) => mode switch
    {
        ApplyMode.Staged => "Staged configuration to be applied after a reboot",
        ApplyMode.Try => "Applied configuration in try mode",
        ApplyMode.Reboot => "Applied configuration with a reboot",
        _ => "Applied configuration without a reboot",
    };

    /// <summary>Upstream's dry-run reply: what the mode would do, then a unified diff of the current and the new config, then the changed paths.</summary>
    private static string DryRunSummary(ApplyMode mode, MachineConfig current, MachineConfig next, string changedPaths)
    {
        var diff = UnifiedDiff.Of(current.ToYaml(), next.ToYaml());
        // Upstream's text, then the changed paths (a Talos.NET addition that clients and tests match on).
        return $"Dry run summary:\n{ModeText(mode)} (skipped in dry-run).\n\nConfig diff:\n\n{(diff.Length > 0 ? diff : "No changes.\n")}" +
            (changedPaths.Length > 0 ? $"\nChanged paths:\n{changedPaths}" : "");
    }

    /// <summary>
    /// Try mode (upstream): the config is active but not persisted; after the timeout the previous config (still on
    /// STATE) is active again, unless another apply replaced the try config meanwhile.
    /// </summary>
    private void ScheduleTryRevert(MachineConfig tried, TimeSpan timeout)
    {
        _ = Task.Run(() => ReportedAsync("try-mode revert", async () =>
        {
            try { await Task.Delay(timeout, _o.Time); } catch (OperationCanceledException) { return; }
            // Only the try config that is still active, in memory and in the log's fold, is reverted.
            if (Config is null || Config.Digest != tried.Digest || State.ConfigDigest != tried.Digest || Stage != NodeStage.Running) return;
            var stored = StateStore.Get(ConfigDocs.Active);
            if (stored is null) return;
            var previous = MachineConfig.Parse(Encoding.UTF8.GetString(stored));
            var appended = await Journal.AppendIfAsync(st => st.ConfigDigest == tried.Digest, "", "", e => e.ConfigTryReverted = new ConfigTryReverted
            {
                RevertedDigest = tried.Digest, RestoredDigest = previous.Digest, Reason = $"try mode timed out after {timeout.TotalSeconds:0.#}s",
            });
            if (!appended) return;   // another config was applied meanwhile: it wins
            ActivateConfig(previous, stored);
            await ReconcileKubernetesAsync("", "", CancellationToken.None);
            Kernel.Talos($"try-mode config reverted after {timeout.TotalSeconds:0.#}s");
        }));
    }

    private async Task<ApplyResult> ApplyInMaintenanceAsync(MachineConfig cfg, byte[] data, IReadOnlyList<string> warnings, bool dryRun, CancellationToken ct)
    {
        if (dryRun) return new ApplyResult("Dry run: the node would install and reboot", ApplyMode.NoReboot, warnings, "");
        Pending.Config = new PendingConfig(cfg, data, ApplyMode.NoReboot);
        if (!State.Installed || Booted is null)   // not installed, or installed but nothing bootable: (re)install
        {
            var install = cfg.Machine?.Install ?? throw new InvalidConfigForMaintenanceException("the node is not installed and the config has no machine.install section");
            SetStage(NodeStage.Installing);
            var handle = Controller.StartOrRefuse(new InstallRequest(install.Disk.Length == 0 ? "/dev/sda" : install.Disk, install.Image, install.Wipe));
            _ = ContinueAfterAsync(handle, ct);
            return new ApplyResult("Applied configuration without a reboot (the node installs and reboots)", ApplyMode.NoReboot, warnings, "");
        }
        // Installed node that lost its config (reset): record it (write-ahead), persist it and start the system. The
        // record comes first: STATE written first and the power lost before the record made the next boot run a config
        // the log never mentioned (simulation seed 957). A staged config left on STATE is superseded by this one (as the
        // fold reads ConfigApplied): it must not take over at the next boot.
        await Journal.AppendAsync("", "", e => e.ConfigApplied = ConfigAppliedFor(ApplyMode.NoReboot, cfg), ct);
        StateStore.Put(ConfigDocs.Active, data);
        StateStore.Delete(ConfigDocs.Staged);
        ActivateConfig(cfg, data);
        _ = Task.Run(() => ReportedAsync("start of the system", async () =>
        {
            await _powerGate.WaitAsync(ct);
            try { if (await StartSystemAsync(ct) != BootResult.Settled) await RebootLoopAsync(ct); }
            finally { _powerGate.Release(); }
        }), ct);
        return new ApplyResult("Applied configuration without a reboot", ApplyMode.NoReboot, warnings, "");
    }

    /// <summary>Starts an upgrade (refused synchronously with FailedPrecondition while another sequence holds the lock).</summary>
    public OperationHandle Upgrade(string image, bool preserve, bool stage, bool force)
    {
        RequireRunning("upgrade");
        _ = Talos.Upgrade.Images.ImageReference.Parse(image);   // a malformed reference is refused before anything runs
        Pending.Config = null;
        var handle = StartOperation(new UpgradeRequest(image, preserve, stage, force));
        _ = ContinueAfterAsync(handle, CancellationToken.None);
        return handle;
    }

    /// <summary>Manual rollback (checked before anything runs).</summary>
    public OperationHandle Rollback(bool force = false)
    {
        RequireRunning("rollback");
        CheckRollback(force);
        Pending.ForceRollback = force;
        var handle = StartOperation(new RollbackRequest());
        _ = ContinueAfterAsync(handle, CancellationToken.None);
        return handle;
    }

    /// <summary>Reset: STATE and EPHEMERAL by default; <paramref name="labels"/> chooses exactly; BOOT and META survive.</summary>
    public OperationHandle Reset(bool graceful, bool reboot, IReadOnlyList<string>? labels, bool fullWipe)
    {
        foreach (var l in labels ?? [])
            if (l is "META" or "BOOT-A" or "BOOT-B" or "EFI")
                throw new InvalidResetRequestException($"partition {l} cannot be wiped by reset: BOOT slots, EFI and META (the node's history) survive every reset");
        Pending.FullWipe = fullWipe;
        var handle = StartOperation(new ResetRequest(graceful, reboot, labels is { Count: > 0 } ? labels : null, WipeMode.SystemDisk, null, IsControlPlane), takeover: true);
        _ = ContinueAfterAsync(handle, CancellationToken.None);
        return handle;
    }

    /// <summary>Reboot.</summary>
    public OperationHandle Reboot(RebootMode mode = RebootMode.Default)
    {
        var handle = StartOperation(new RebootRequest(mode), takeover: mode == RebootMode.Force);
        _ = ContinueAfterAsync(handle, CancellationToken.None);
        return handle;
    }

    /// <summary>Shutdown (runs with takeover, as upstream).</summary>
    public OperationHandle Shutdown(bool force = false)
    {
        var handle = StartOperation(new ShutdownRequest(force), takeover: true);
        _ = ContinueAfterAsync(handle, CancellationToken.None);
        return handle;
    }

    private readonly object _opGate = new();
    private (SequenceName Kind, OperationHandle Handle)? _starting;

    /// <summary>
    /// Starts an operation's sequence, refusing it at once (FailedPrecondition, as upstream's ErrLocked) when one that
    /// it may not pre-empt is running or starting: the controller's lock is taken on a background task, so two
    /// concurrent requests could otherwise both pass its synchronous check.
    /// </summary>
    private OperationHandle StartOperation(ISequenceRequest request, bool takeover = false)
    {
        lock (_opGate)
        {
            if (_starting is { } running && !running.Handle.Completion.IsCompleted && !takeover && !TakeoverTable.MayPreempt(running.Kind, request.Sequence))
                throw new SequenceLockedException(request.Sequence.Wire(), running.Kind.Wire());
            var handle = Controller.StartOrRefuse(request, takeover);
            _starting = (request.Sequence, handle);
            var stage = request.Sequence switch
            {
                SequenceName.Upgrade => NodeStage.Upgrading,
                SequenceName.Reset => NodeStage.Resetting,
                SequenceName.Reboot => NodeStage.Rebooting,
                SequenceName.Shutdown => NodeStage.ShuttingDown,
                _ => (NodeStage?)null,
            };
            if (stage is { } st && Stage == NodeStage.Running) SetStage(st);
            return handle;
        }
    }

    private void RequireRunning(string what)
    {
        // A busy node (upgrading, resetting...) is answered by the sequence lock with upstream's "locked" refusal.
        if (Stage is not (NodeStage.Running or NodeStage.Upgrading or NodeStage.Resetting or NodeStage.Rebooting or NodeStage.ShuttingDown)) throw new NodeNotReadyException($"{what} needs a running node; the node is {Stage}");
    }

    /// <summary>After a sequence: a Reboot or PowerOff outcome takes the node down and (for reboot) boots it again.</summary>
    private async Task ContinueAfterAsync(OperationHandle handle, CancellationToken ct)
    {
        OperationReport report;
        try { report = await handle.Completion; }
        catch (Exception e)
        {
            Log($"operation {handle.ActorId} crashed: {e}");
            Kernel.Kern("err", $"[talos] operation {handle.ActorId} failed: {e.Message}");
            Pending.Config = null;
            if (Stage == NodeStage.Installing) SetStage(NodeStage.Maintenance);
            return;
        }
        Finish(report);
        var result = report.Run?.Result;
        if (result is RunResult.Reboot or RunResult.PowerOff || NeedsRebootAfterFailure(report))
            await ReportedAsync("reboot", async () =>
            {
                await _powerGate.WaitAsync(ct);
                try
                {
                    StopVolatile();
                    if (result == RunResult.PowerOff) { Kernel.Kern("reboot: Power down"); SetStage(NodeStage.Unknown); RaisePoweredOff(); return; }
                    await RebootLoopAsync(ct);
                }
                finally { _powerGate.Release(); }
            });
        else if (Stage == NodeStage.Installing) SetStage(NodeStage.Maintenance);
        else if (Stage is NodeStage.Upgrading or NodeStage.Resetting or NodeStage.Rebooting or NodeStage.ShuttingDown) SetStage(NodeStage.Running);
    }

    /// <summary>
    /// Runs background work nobody awaits (a reboot after a sequence, the start of the system after an apply in
    /// maintenance, a try-mode revert): a failure is reported on the console and in the daemon's log instead of being
    /// left in a faulted task that nobody observes (a failed reboot used to leave no trace at all).
    /// </summary>
    private async Task ReportedAsync(string what, Func<Task> work)
    {
        try { await work(); }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            Log($"{what} failed: {e}");
            Kernel.Kern("err", $"[talos] {what} failed: {e.Message}");
        }
    }

    private async Task RebootLoopAsync(CancellationToken ct)
    {
        StopVolatile();
        Kernel.Kern("reboot: Restarting system");
        SetStage(NodeStage.Rebooting);
        Journal.Reset();
        _settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await BootLoopAsync(ct);
    }

    private void Finish(OperationReport report)
    {
        Pending.Config = null;
        Pending.FullWipe = false;
        Pending.ForceRollback = false;
        if (report.Run?.Error is { } e) Log($"sequence failed: {e.Message}");
    }
}
