using Talos.Api.Events;
using ApplyMode = Talos.Api.Events.ApplyMode;
using Talos.Core.Boot;
using Talos.Core.Config;
using Talos.Core.Events;
using Talos.Machined.Services;
using Talos.Partitions.Meta;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Upgrade.Slots;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    internal enum BootResult { Settled, Reboot, PowerOff }

    /// <summary>Boots until the node settles; a boot that ends in a reboot boots again (bounded by MaxReboots).</summary>
    private async Task BootLoopAsync(CancellationToken ct)
    {
        for (var i = 0; i <= _o.MaxReboots; i++)
        {
            var r = await BootOnceAsync(ct);
            if (r == BootResult.Settled) return;
            StopVolatile();
            if (r == BootResult.PowerOff)
            {
                Kernel.Kern("reboot: Power down");
                SetStage(NodeStage.Unknown);
                RaisePoweredOff();
                return;
            }
            Kernel.Kern("reboot: Restarting system");
            SetStage(NodeStage.Rebooting);
            Journal.Reset();   // a reboot forgets memory: the next boot folds the disk again
        }
        Log($"halted: more than {_o.MaxReboots} reboots in one power-on");
        Kernel.Kern("emerg", "[talos] halted: boot loop exceeded the reboot bound");
        SetStage(NodeStage.Unknown);
    }

    private async Task<BootResult> BootOnceAsync(CancellationToken ct)
    {
        SetStage(NodeStage.Booting);
        Kernel.Kern($"[firmware] booting from {Disk.Name}");
        if (!Disk.IsLaidOut(out var why))
        {
            Kernel.Kern($"[firmware] no Talos installation on {Disk.Name} ({why}): booting the maintenance image");
            await Journal.AppendAsync("", "", e => e.MaintenanceEntered = new MaintenanceEntered { Reason = "blank disk: " + why }, ct);
            SetStage(NodeStage.Maintenance);
            return BootResult.Settled;
        }
        if (Disk.RepairIfNeeded()) Kernel.Kern("warning", "GPT: one copy of the partition table was damaged and has been repaired");
        try
        {
            await AttachMetaAsync(ct);
            var recovered = await RecoverInterruptedAsync(ct);
            if (recovered != BootResult.Settled) return recovered;
            return await BootLoaderAsync(ct);
        }
        catch (Core.Errors.TalosException e) when (e is Partitions.Gpt.GptNotFoundException or Partitions.Gpt.GptCorruptException
                                                       or Partitions.Layout.PartitionNotFoundException)
        {
            // The partition table went away under us (a power loss while an install rewrote it): like a blank disk,
            // the node boots the maintenance image and a new install lays the disk out again.
            Kernel.Kern("err", $"[firmware] the partition table is unusable ({e.Message}): booting the maintenance image");
            StopVolatile();
            Journal.Reset();
            await Journal.AppendAsync("", "", x => x.MaintenanceEntered = new MaintenanceEntered { Reason = "partition table unusable: " + e.Message }, ct);
            SetStage(NodeStage.Maintenance);
            return BootResult.Settled;
        }
    }

    private async Task AttachMetaAsync(CancellationToken ct)
    {
        _meta = Disk.OpenMeta(_o.Guids.Next(), _o.Time, RepairEvent, DropEvent, SignCheckpoint);
        ApplyMirrorGuard();
        if (_meta.Recovery.BytesDiscarded > 0)
            Kernel.Kern("warning", $"[talos] META: {_meta.Recovery.Detail} ({_meta.Recovery.BytesDiscarded} bytes discarded)");
        ReportMetaDamage();
        await Journal.AttachAsync(_meta, ct);
    }

    private LogEntry RepairEvent(Partitions.Meta.RecoveryReport r)
    {
        if (r.Damage is { } d) return DamageRepairEvent(r, d);
        var e = NodeEvents.Create(r.LastValidSequence + 1, _o.Time, "", "", x => x.LogRepaired = new LogRepaired
        {
            LastGoodSequence = r.LastValidSequence,
            RecordsDropped = 0,
            Reason = $"{r.Reason}: {r.Detail} ({r.BytesDiscarded} bytes discarded)",
        });
        return new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e));
    }

    private LogEntry DropEvent(Partitions.Meta.DropReport d)
    {
        var e = NodeEvents.Create(d.EventSequence, _o.Time, "", "", x => x.RecordsDropped = new RecordsDropped
        {
            FromSequence = d.FromSequence,
            ToSequence = d.ToSequence,
            LastDroppedHash = Convert.ToHexStringLower(d.LastDroppedHash),
            Reason = d.AcrossDamage ? "quarantine checkpoint after mid-log damage: records before the damage cannot be carried across it"
                : "forced checkpoint: the unmirrored records did not fit in half a region",
        });
        return new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e));
    }

    /// <summary>A sequence interrupted by power loss is recovered before anything else runs (issue #6).</summary>
    private async Task<BootResult> RecoverInterruptedAsync(CancellationToken ct)
    {
        var recovery = new CrashRecovery(new NodeEventJournal(Journal, _o.Time), Tasks, _runner);
        var reports = await recovery.RecoverAsync(RequestParser.Resolve, Facts, ct);
        foreach (var r in reports) Kernel.Talos($"recovered interrupted sequence {r.SequenceId}: {r.Action}{(r.Result is { } x ? $" ({x})" : "")}");
        if (reports.Any(r => r.Result == RunResult.PowerOff)) return BootResult.PowerOff;
        if (reports.Any(r => r.Result == RunResult.Reboot)) return BootResult.Reboot;
        return BootResult.Settled;
    }

    /// <summary>The boot loader stage: measure, decide (pure), record the attempt, then "jump" into the slot.</summary>
    private async Task<BootResult> BootLoaderAsync(CancellationToken ct)
    {
        var reader = new SlotReader();
        var ma = reader.Measure(Disk.Slot(Slot.A), ct);
        var mb = reader.Measure(Disk.Slot(Slot.B), ct);
        var choice = BootDecision.Decide(State, new MeasuredSlots(Hex(ma), Hex(mb)));
        Kernel.Kern($"[bootloader] {choice}");
        if (choice.ToRolledBack(State) is { } rolled)
            await Journal.AppendAsync("", "", e => e.RolledBack = rolled, ct);
        if (choice.Kind == BootKind.Maintenance)
        {
            await Journal.AppendAsync("", "", e => e.MaintenanceEntered = new MaintenanceEntered { Reason = choice.Detail }, ct);
            await LoadStoredConfigAsync(ct);
            SetStage(NodeStage.Maintenance);
            return BootResult.Settled;
        }
        await Journal.AppendAsync("", "", e => e.BootAttempted = choice.ToBootAttempted(), ct);
        var m = choice.Slot == Slot.A ? ma : mb;
        var header = m.Header!;
        if (header.ServiceProfile == ServiceProfiles.PanicBeforeMachined)
        {
            Kernel.Kern("emerg", "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) (image profile panic-before-machined)");
            return BootResult.Reboot;
        }
        Booted = new BootedImage(choice.Slot, header.Version, header.ServiceProfile, Hex(m)!, header.ImageReference, choice.Trial);
        await Journal.AppendAsync("", "", e => e.Booted = new Booted { Slot = choice.Slot, Version = header.Version, MeasuredDigest = Hex(m)! }, ct);
        Kernel.Talos($"booted slot {choice.Slot}: {header.ImageReference} {header.Version}");
        if (!await LoadStoredConfigAsync(ct))
        {
            var reason = ConfigBindingProblem ?? "no machine config on STATE";
            Kernel.Talos($"{reason}: entering maintenance mode, waiting for apply-config");
            await Journal.AppendAsync("", "", e => e.MaintenanceEntered = new MaintenanceEntered { Reason = reason, Slot = choice.Slot }, ct);
            SetStage(NodeStage.Maintenance);
            return BootResult.Settled;
        }
        return await StartSystemAsync(ct);
    }

    /// <summary>Runs the boot sequence (services) and, on a trial boot, the health gate.</summary>
    internal async Task<BootResult> StartSystemAsync(CancellationToken ct)
    {
        await WipeEphemeralIfPendingAsync(ct);
        var boot = Controller.Start(new BootRequest(ControlPlane: IsControlPlane));
        var report = await boot.Completion;
        if (report.Run?.Result is RunResult.Failed or RunResult.Canceled || report.Refusal is not null)
            Log($"boot sequence did not complete: {report.Run?.Error?.Message ?? report.Refusal?.Message}");
        if (Booted is { Trial: true } b) return await HealthGateAsync(b, ct);
        await EstablishIdentityAsync(ct);
        SetStage(NodeStage.Running);
        return BootResult.Settled;
    }

    private async Task<BootResult> HealthGateAsync(BootedImage b, CancellationToken ct)
    {
        var deadline = _o.HealthDeadline ?? Config?.Machine?.Upgrade?.EffectiveHealthDeadline ?? TimeSpan.FromMinutes(5);
        Kernel.Talos($"trial boot of slot {b.Slot}: waiting up to {deadline.TotalSeconds:0.#}s for the health checks");
        var services = Services ?? new ServiceSupervisor(_o.Time, IsControlPlane, b.Profile);
        var verdict = await HealthGate.EvaluateAsync(services, deadline, _o.Time, ct);
        var results = verdict.Checks.Select(c => NodeEvents.Create(0, _o.Time, "", "", e => e.HealthCheckResult =
            new HealthCheckResult { Check = c.Check, Passed = c.Passed, Detail = c.Detail, Slot = b.Slot })).ToList();
        await Journal.AppendAsync(results, ct);
        if (verdict.Passed)
        {
            await Journal.AppendAsync("", "", e => e.BootConfirmed = new BootConfirmed { Slot = b.Slot, Version = b.Version }, ct);
            Kernel.Talos($"slot {b.Slot} confirmed ({b.Version})");
            await EstablishIdentityAsync(ct);
            SetStage(NodeStage.Running);
            return BootResult.Settled;
        }
        var from = State.SlotOf(b.Slot);
        var other = b.Slot == Slot.A ? Slot.B : Slot.A;
        var rolled = new RolledBack
        {
            From = b.Slot,
            To = State.SlotOf(other).Successful ? other : Slot.Unspecified,
            Reason = verdict.Reason.Contains("deadline", StringComparison.Ordinal) ? RollbackReason.HealthDeadlineExceeded : RollbackReason.HealthCheckFailed,
            Detail = verdict.Reason,
            TriesUsed = from.TriesUsed,
        };
        rolled.FailedChecks.AddRange(verdict.Checks.Where(c => !c.Passed).Select(c => c.Check).OrderBy(c => c, StringComparer.Ordinal));
        await Journal.AppendAsync("", "", e => e.RolledBack = rolled, ct);
        Kernel.Kern("err", $"[talos] health gate failed on slot {b.Slot}: {verdict.Reason}; rolling back to slot {rolled.To}");
        return BootResult.Reboot;
    }

    /// <summary>Loads the machine config from STATE (applying a staged one first). False when there is none.</summary>
    private async Task<bool> LoadStoredConfigAsync(CancellationToken ct)
    {
        if (StateStore.Get(ConfigDocs.Staged) is { } staged)
        {
            var cfg = MachineConfig.Parse(System.Text.Encoding.UTF8.GetString(staged));
            // The log decides: a staged document it records as pending (or as applied at a boot whose STATE writes a
            // power loss cut short) becomes active; any other one was superseded by a later apply, or its ConfigStaged
            // never became durable, and must not take over at this boot (the node would run a config the log never names).
            if (cfg.Digest == State.StagedConfigDigest || cfg.Digest == State.ConfigDigest)
            {
                // Recorded (write-ahead) as applied with a reboot, which the fold reads as activation (STAGED would leave
                // it pending in the fold while the node runs it). A crash after the record and before the STATE writes
                // re-applies it at the next boot: one more record.
                await Journal.AppendAsync("", "", e => e.ConfigApplied = ConfigAppliedFor(ApplyMode.Reboot, cfg), ct);
                StateStore.Put(ConfigDocs.Active, staged);
            }
            else Kernel.Kern("warning", "[talos] discarding a staged machine config the event log does not record as pending");
            StateStore.Delete(ConfigDocs.Staged);
        }
        var bytes = StateStore.Get(ConfigDocs.Active);
        if (bytes is null) return false;
        var active = MachineConfig.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        if ((ConfigBindingProblem = await CheckConfigBindingAsync(active, ct)) is not null) return false;   // issue #22
        ActivateConfig(active, bytes);
        return true;
    }

    internal bool IsControlPlane => Config?.Machine?.Type is "controlplane" or "init";

    internal static string? Hex(SlotMeasurement m) => m.IsValid ? m.ContentDigest!.Replace("sha256:", "", StringComparison.Ordinal) : null;
}

/// <summary>Names of the documents the runtime keeps in the STATE store.</summary>
internal static class ConfigDocs
{
    public const string Active = "config";
    public const string Staged = "config.staged";
    public const string Pki = "pki";
}
