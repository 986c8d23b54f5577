using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Sequencer.Locking;

namespace Talos.Simulation.Tests;

/// <summary>Knobs of a random run (all defaults documented; swarm-randomised per seed by <see cref="Swarm"/>).</summary>
public sealed record SimOptions
{
    /// <summary>The smallest disk the Talos layout accepts (every partition ≥ 1 MiB, META 4 MiB): each crash copies the disk.</summary>
    public const long DefaultDiskBytes = 12L << 20;

    /// <summary>Disk size (default <see cref="DefaultDiskBytes"/>).</summary>
    public long DiskBytes { get; init; } = DefaultDiskBytes;
    /// <summary>Operations per seed before the final fault-free liveness phase.</summary>
    public int Steps { get; init; } = 12;
    /// <summary>Probability that an operation gets a crash point.</summary>
    public double CrashProbability { get; init; } = 0.6;
    /// <summary>Probability that the recovery power-on itself gets a crash point (double fault).</summary>
    public double RecoveryCrashProbability { get; init; } = 0.2;
    /// <summary>Probability that a crash also damages the medium: one misdirected write, or read errors (see Simulation.Faults.cs).</summary>
    public double MediaFaultProbability { get; init; }
    /// <summary>Health results of boots may arrive late, within or past the health deadline (see SlowHealth.cs).</summary>
    public bool SlowHealthChecks { get; init; }
    /// <summary>Include apply-config --mode=reboot (see Bug_apply_config_reboot_mode_never_reboots).</summary>
    public bool ApplyRebootMode { get; init; }

    public static SimOptions Swarm(SimRng rng) => new()
    {
        CrashProbability = rng.Pick([0.3, 0.6, 0.9]),
        RecoveryCrashProbability = rng.Pick([0.0, 0.2, 0.5]),
        // A third of the seeds also get media faults: the others keep the strict checks for their whole run.
        MediaFaultProbability = rng.Pick([0.0, 0.0, 0.3]),
        SlowHealthChecks = rng.Chance(0.5),
    };
}

/// <summary>
/// One seeded run: a random operator drives one node through installs, config changes, upgrades (good and faulty,
/// staged), rollbacks, resets, reboots and shutdowns, with power losses at chosen writes, and checks every invariant
/// after every step and every recovery. Everything random comes from <see cref="Seed"/>.
/// </summary>
public sealed partial class Simulation(ulong seed, SimImages images, SimReport report, SimOptions? options = null)
{
    private static readonly CrashModel[] Models = [CrashModel.Default, CrashModel.DropAll, CrashModel.KeepAll, new CrashModel { KeepProbability = 0.2, TearProbability = 0.6 }];
    private readonly SimRng _rng = new(seed);
    private readonly SimOptions _o = options ?? new SimOptions();
    private readonly List<string> _steps = new();
    private readonly List<string> _trace = new();
    private readonly Dictionary<string, long> _writeEstimate = new(StringComparer.Ordinal);
    private SimNode _node = null!;
    private readonly EventMemo _memo = new();

    public ulong Seed { get; } = seed;

    /// <summary>The node under test (the last one, after power losses replaced its runtime and disk).</summary>
    internal SimNode Node => _node;

    /// <summary>The steps so far (printed with a failure).</summary>
    public IReadOnlyList<string> Steps => _steps;

    /// <summary>
    /// What the run did, step by step: every step (with its crash point and crash model) and after every
    /// settled step the node's stage, last sequence, state hash, disk write count and virtual time.
    /// </summary>
    public IReadOnlyList<string> Trace => _trace;

    /// <summary>SHA-256 of <see cref="Trace"/>: the same seed must give the same hash.</summary>
    public string TraceHash() => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join("\n", _trace))));

    private void Step(string line)
    {
        _steps.Add(line);
        _trace.Add(line);
    }

    public async Task RunAsync()
    {
        _node = new SimNode(images, _rng.Split(), _o.DiskBytes);
        if (_o.SlowHealthChecks) _node.SlowHealth = new SlowHealth(_rng.Split(), SimNode.HealthDeadline);
        Step($"seed {Seed} options {_o}");
        try
        {
            if (!await _node.PowerOnAsync()) throw new SimulationException("first power-on crashed with no crash point set");
            for (var i = 0; i < _o.Steps; i++) await StepAsync(NextOp());
            await LivenessAsync();
            report.Seeds++;
        }
        finally
        {
            SimNode.Abandon(_node.Runtime);
            if (_node.NewHistories > 0) report.Fault("node abandoned a half-installed disk: new history", _node.NewHistories);
            if (_node.SlowHealth is { } slow)
            {
                report.Fault("slow health: result held back", slow.Delayed);
                report.Fault("slow health: held past the deadline", slow.PastDeadline);
                report.Fault("slow health: the gate gave up at the deadline", slow.GateGaveUp);
            }
        }
    }

    private async Task StepAsync(SimOp op)
    {
        report.Cycle();
        var before = Before.Of(_node);
        var crashAt = _rng.Chance(_o.CrashProbability) ? ArmCrash(op.Kind) : null;
        var w0 = _node.Disk.WriteCount;
        Step(op + (crashAt is null ? "" : $" [crash at {crashAt}]"));
        var t = SimReport.Now;
        var ok = await ExecuteAsync(op);
        report.Timed(ok ? SimPhase.Operation : SimPhase.OperationUntilPowerLoss, t);
        if (ok)
        {
            op.Completed = true;
            _node.Disk.CrashAtWrite = null;
            _node.Disk.CrashAtOperation = null;
            _writeEstimate[op.Kind] = Math.Max(_writeEstimate.GetValueOrDefault(op.Kind), _node.Disk.WriteCount - w0);
            t = SimReport.Now;
            CheckSettled(before, op, crashed: false);
            report.Timed(SimPhase.SettledChecks, t);
            return;
        }
        await RecoverAsync(before, op);
    }

    /// <summary>Power lost during <paramref name="op"/>: crash image, checks from the disk alone, power on a new runtime (maybe crashing again).</summary>
    private Task RecoverAsync(Before before, SimOp op) => RecoverAsync(_node, before, op, null);

    /// <summary>
    /// Recovery of <paramref name="node"/> whose power was lost during <paramref name="op"/>: with <paramref name="fixedCrash"/>
    /// the post-crash disk is that one (exhaustive mode), otherwise a random model and seed choose it.
    /// </summary>
    internal async Task RecoverAsync(SimNode node, Before before, SimOp op, (ulong Seed, CrashModel Model)? fixedCrash)
    {
        _node = node;
        for (var attempt = 0; ; attempt++)
        {
            var running = _node.Runtime.State.Running;
            var where = $"{op.Kind} → {running?.Name ?? "-"}/{running?.Phase ?? "-"}/[{string.Join(",", running?.OpenTasks ?? [])}]" + (attempt > 0 ? " (during recovery)" : "");
            var (crashSeed, model) = attempt == 0 && fixedCrash is { } fc ? fc : (_rng.Next(), _rng.Pick(Models));
            var media = fixedCrash is null ? MaybeMediaFault(ref model) : null;
            var t = SimReport.Now;
            var crashed = _node.PowerLoss(crashSeed, model);
            report.Timed(SimPhase.CrashImage, t);
            t = SimReport.Now;
            report.Crash(where, () => $"seed {Seed}: {string.Join(" ; ", _steps)} ; CRASH {where} {crashed}");
            Step($"power lost ({where}; {Describe(model)}{(media is null ? "" : "; " + media)})");
            var log = Invariants.ReadLog(_node.Disk);
            if (ReferenceEquals(log, RecoveredLog.None)) _node.AbandonHistoryIfTableWiped();   // no readable table or META on the crashed disk
            if (media is not null || _mediaDamaged)
            {
                // The medium itself lost data: only what no disk can promise is waived (see Simulation.Faults.cs).
                _mediaDamaged = true;
                CheckAfterMediaFault(log.Records);
            }
            else
            {
                Invariants.LogPrefix(_node, log, report);
                Invariants.ConfirmedSlotUntouched(before, _node.Disk, report);
            }
            report.Timed(SimPhase.CrashChecks, t);
            _node.ResetReference(log.Records.Select(r => KeyValuePair.Create(r.Sequence, r.Payload.ToArray())), durable: log.Records.Count > 0);
            if (attempt < 3 && _rng.Chance(_o.RecoveryCrashProbability)) _node.Disk.CrashAtWrite = _rng.Below(8);
            t = SimReport.Now;
            var on = await _node.PowerOnAsync();
            report.Timed(SimPhase.RecoveryPowerOn, t);
            if (on) break;
        }
        _node.Disk.CrashAtWrite = null;
        var t1 = SimReport.Now;
        if (!await _node.SettleAsync(_node.StageChanges, expectChange: false, "recovery"))
            throw new SimulationException("power lost after recovery with no crash point set");
        report.Timed(SimPhase.RecoveryPowerOn, t1);
        t1 = SimReport.Now;
        CheckSettled(before, op, crashed: true);
        report.Timed(SimPhase.SettledChecks, t1);
    }

    internal void CheckSettled(Before before, SimOp op, bool crashed)
    {
        var rt = _node.Runtime;
        _trace.Add($"{op}: {rt.Stage} seq {rt.State.LastSequence} state {rt.State.Hash} writes {_node.Disk.WriteCount} at {_node.Clock.GetUtcNow():O}");
        if (_mediaDamaged)
        {
            CheckSettledAfterMediaFault();
            return;
        }
        Invariants.SlotDigest(_node, report);
        Invariants.ConfirmedSlotUntouched(before, _node.Disk, report);
        Invariants.BootsOldOrNew(before, op, _node, report);
        Invariants.ConfigOldOrNew(before, op, _node, crashed, report);
        Invariants.FoldEqualsState(_node, report, _memo);
        Invariants.NoAnomalies(_node, report);
        if (_node.Runtime.Journal.Log is { } live)
            Invariants.NoWriteToConfirmedInLog(_memo.ReadAll(live), report, EventMemo.CheckpointState(live));
    }

    /// <summary>
    /// Starts a new sequence from <paramref name="steps"/> (exhaustive mode: every crash point and disk variant is its
    /// own sequence; before, the steps of all earlier points piled up and every crash report joined them all again).
    /// </summary>
    internal void RestartSteps(IEnumerable<string> steps)
    {
        _steps.Clear();
        _steps.AddRange(steps);
    }

    /// <summary>Attaches the operator to a node built elsewhere (exhaustive mode).</summary>
    internal void Attach(SimNode node) => _node = node;

    /// <summary>Runs one operation on the attached node (exhaustive mode); false when the power was lost.</summary>
    internal Task<bool> RunOpAsync(SimOp op) { Step(op.ToString()); return ExecuteAsync(op); }

    /// <summary>Final fault-free phase: power on if off, give a config if missing; the node must end Running on a confirmed slot.</summary>
    internal async Task LivenessAsync()
    {
        Step("liveness");
        if (_node.SlowHealth is { } slow) slow.Enabled = false;   // the liveness phase is fault-free
        for (var i = 0; i < 4 && _node.Runtime.Stage != NodeStage.Running; i++)
        {
            var op = _node.Runtime.Stage == NodeStage.Unknown ? new SimOp("powerOn", "") : new SimOp("apply", "maintenance", NewConfig: Cfg("node1").Digest);
            var before = Before.Of(_node);
            Step(op.ToString());
            if (!await ExecuteAsync(op)) throw new SimulationException("power lost in the fault-free liveness phase");
            CheckSettled(before, op, crashed: false);
        }
        var rt = _node.Runtime;
        report.Checked(3);
        if (rt.Stage != NodeStage.Running || rt.Booted is not { } b || !rt.State.SlotOf(b.Slot).Successful)
            throw new InvariantViolation(3, $"liveness: the node did not end Running on a confirmed slot (stage {rt.Stage}, booted {rt.Booted?.Slot}): {string.Join(" | ", rt.Kernel.Ring.Tail(8))}");
    }

    private string ArmCrash(string kind)
    {
        var est = _writeEstimate.GetValueOrDefault(kind, 48);
        var k = _rng.Below((int)Math.Min(int.MaxValue - 1, est + 1));
        if (_rng.Chance(0.7))
        {
            _node.Disk.CrashAtWrite = _node.Disk.WriteCount + k;
            return $"write +{k}";
        }
        _node.Disk.CrashAtOperation = _node.Disk.OperationCount + k;
        return $"op +{k}";
    }

    private static string Describe(CrashModel m) =>
        ReferenceEquals(m, CrashModel.DropAll) ? "drop-all" : ReferenceEquals(m, CrashModel.KeepAll) ? "keep-all" : $"keep {m.KeepProbability} tear {m.TearProbability}{(m.TornSectorGarbage ? " garbage" : "")}";

    // Parsed once per host (an immutable record; the operator asked for it several times per step: issue #11 speed).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Talos.Core.Config.MachineConfig> Configs = new(StringComparer.Ordinal);

    internal static Talos.Core.Config.MachineConfig Cfg(string host) =>
        Configs.GetOrAdd(host, h => Talos.Core.Config.MachineConfig.Parse(System.Text.Encoding.UTF8.GetString(SimImages.Config(h))));

    internal static bool IsRefusal(Exception e) => e is TalosException or RollbackRefusedException or NodeNotReadyException or InvalidOperationException;
}
