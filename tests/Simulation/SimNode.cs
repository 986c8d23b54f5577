using System.Threading.Channels;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.Time;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Sequencer.Locking;

namespace Talos.Simulation.Tests;

/// <summary>
/// One simulated node: a <see cref="NodeRuntime"/> over a <see cref="PowerLossSimulator"/> on an in-memory disk, with a
/// virtual clock the driver advances while the runtime waits on timers. A power loss abandons the runtime object
/// (nothing in memory survives), takes a post-crash disk image and powers a NEW runtime on over it, with a new clock
/// continuing from the old one's time (the dead runtime's stray timers stay on the old clock and never fire).
/// </summary>
public sealed class SimNode
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private readonly SimImages _images;
    private readonly SimRng _rng;
    private ChannelReader<NodeEvent>? _events;
    private int _powerOns;
    private int _stageChanges;
    private bool _poweredOff;
    private bool _durable;
    private ulong _lastDrained;   // sequence of the last event drained from the current runtime (0: none yet)

    public SimNode(SimImages images, SimRng rng, long diskBytes)
    {
        _images = images;
        _rng = rng;
        // Copy-on-write: crash images and forks share the unchanged pages instead of copying 12 MiB each.
        Disk = new PowerLossSimulator(new CopyOnWriteBlockDevice(Math.Max(diskBytes, 1 << 20)));
        Clock = new VirtualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Runtime = null!;   // set by the first PowerOnAsync
    }

    /// <summary>A node over <paramref name="device"/> that inherits another node's reference history (exhaustive mode).</summary>
    public SimNode(SimImages images, SimRng rng, IBlockDevice device, SimNode history) : this(images, rng, 0)
    {
        Disk = new PowerLossSimulator(device);
        Clock = new VirtualTimeProvider(history.Clock.GetUtcNow());
        foreach (var (k, v) in history.Acked) Acked[k] = v;
        foreach (var (k, v) in history.ImageDigests) ImageDigests[k] = v;
        LastConfig = history.LastConfig;
        _durable = history._durable;
        Runtime = history.Runtime;   // the dead runtime: read only for what was open when the power failed
    }

    /// <summary>The whole disk as it is now (every write kept): a copy-on-write image; start nodes on <see cref="Fork"/>s of it.</summary>
    public IBlockDevice Snapshot() => Disk.Crash(0, CrashModel.KeepAll);

    /// <summary>A private copy of <paramref name="snapshot"/> (a crash with nothing pending: a copy-on-write fork).</summary>
    public static IBlockDevice Fork(IBlockDevice snapshot) => new PowerLossSimulator(snapshot).Crash(0, CrashModel.KeepAll);

    /// <summary>Times a driver moved a virtual clock by one tick (all nodes of the process; reported with every summary).</summary>
    public static long ClockTicks;

    /// <summary>The trial boot's health deadline (virtual time).</summary>
    public static readonly TimeSpan HealthDeadline = TimeSpan.FromSeconds(2);

    /// <summary>The slow-health-checks fault, when this node gets it (see <see cref="Tests.SlowHealth"/>).</summary>
    public SlowHealth? SlowHealth { get; set; }

    /// <summary>Use the daemon's default id source (restarts at op-1 on every power-on) instead of seeded unique ids.</summary>
    public bool DaemonIds { get; init; }

    /// <summary>A fleet mirror outside the runtime reads this node's META (FleetSimulation): compaction keeps what it has not acknowledged.</summary>
    public bool FleetMirrored { get; set; }

    public PowerLossSimulator Disk { get; private set; }
    public VirtualTimeProvider Clock { get; private set; }
    public NodeRuntime Runtime { get; private set; }

    /// <summary>Acknowledged events (published by the journal after their append returned), by sequence: payload bytes.</summary>
    public SortedDictionary<ulong, byte[]> Acked { get; } = new();

    /// <summary>Digest of each image reference, learned from ImageWrittenToSlot events.</summary>
    public Dictionary<string, string> ImageDigests { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the acknowledged events are owed by the disk (the journal was attached to META and had written them).</summary>
    public bool AckedAreDurable => _durable;

    /// <summary>True once the node powered off (shutdown), until the next power-on.</summary>
    public bool PoweredOff => _poweredOff;

    /// <summary>Digest of the config the node last ran with (kept while it is powered off: the runtime forgets it).</summary>
    public string? LastConfig { get; private set; }

    public int StageChanges => Volatile.Read(ref _stageChanges);

    private NodeRuntime NewRuntime()
    {
        _powerOns++;
        var clock = Clock;   // this runtime's clock: a held-back health result must not reach a later runtime
        var rt = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = Disk,
            DiskName = "sim.img",
            Address = "127.0.0.10",
            Time = Clock,
            Images = _images.Store,
            Http = _images.Registry,   // image references the store lacks come from the flaky registry (image-source faults)
            Guids = new SeededGuidSource(_rng.Next()),
            // The node key is recorded in META (issue #22): a fixed fill keeps seeds replayable without drawing from the seed's rng.
            KeyEntropy = b => b.Fill(0x5c),
            // Seeded ids unique per power-on; DaemonIds reproduces machined's default (op-1, op-2, ... again after every start).
            Ids = DaemonIds ? new SequentialIdSource("op") : new SequentialIdSource($"p{_powerOns}.{_rng.Next() % 0xFFFFFF:x6}-op"),
            HealthDeadline = HealthDeadline,
            // Checkpoints eight times as often as the daemon's default (2,048): more compaction crash points per run, and
            // every power-on and every check scans and folds 128-256 records instead of 256-512 (issue #11 speed).
            MetaCheckpointEveryRecords = 256,
            ExternalMirror = FleetMirrored,
            ServicesCreated = SlowHealth is { } slow ? services => slow.Attach(services, clock) : null,
        });
        _events = rt.Journal.Subscribe(out _);
        _lastDrained = 0;
        rt.StageChanged += _ => Interlocked.Increment(ref _stageChanges);
        rt.PoweredOff += () => _poweredOff = true;
        return rt;
    }

    /// <summary>Powers a fresh runtime on over the current disk; false when a crash point was reached meanwhile.</summary>
    public async Task<bool> PowerOnAsync()
    {
        Runtime = NewRuntime();
        _poweredOff = false;
        _durable = Acked.Count > 0 && Runtime.Disk.IsLaidOut(out _);
        var rt = Runtime;
        var t = rt.PowerOnAsync();
        if (!await DriveAsync(() => t.IsCompleted, "power-on")) { Forget(t); return false; }
        if (t.IsFaulted && !Disk.PowerLost) throw new SimulationException("power-on failed without a power loss", t.Exception!.GetBaseException());
        if (!Disk.PowerLost && rt.Stage != NodeStage.Unknown) LastConfig = rt.Config?.Digest;
        return !Disk.PowerLost;
    }

    /// <summary>
    /// Runs the node until <paramref name="done"/>, which is evaluated only at quiescent points (nothing queued on the one
    /// simulated CPU, see <see cref="SimScheduler"/>); at such a point with a timer armed the virtual clock moves 100 ms.
    /// False when the power was lost. A runtime that neither finishes nor waits on the clock for 20 s of real time is
    /// stuck: a liveness failure.
    /// </summary>
    public async Task<bool> DriveAsync(Func<bool> done, string what)
    {
        var start = Environment.TickCount64;
        var virtualStart = Clock.GetUtcNow();
        var idle = 0;
        while (true)
        {
            await Task.Yield();
            if (Environment.TickCount64 - start > 20_000)
                throw new SimulationException($"{what}: stuck for 20 s of real time (stage {Runtime.Stage}, lock {Runtime.Controller.Lock.Holder})\n"
                    + string.Join("\n", Runtime.Kernel.Ring.Tail(15)));
            if (!SimScheduler.IsQuiescent) continue;   // runnable work first: the clock moves only when the node waits
            Drain();
            if (Disk.PowerLost) return false;
            if (done()) return true;
            if (Clock.ArmedTimers > 0)
            {
                Clock.Advance(Tick);
                Interlocked.Increment(ref ClockTicks);
                idle = 0;
                if (Clock.GetUtcNow() - virtualStart > TimeSpan.FromHours(2))
                    throw new SimulationException($"{what}: still not done after 2 virtual hours (stage {Runtime.Stage})");
                continue;
            }
            // Nothing runnable and no timer: only work off the pool (none expected) could still finish it.
            if (++idle > 64)
            {
                Interlocked.Increment(ref SimScheduler.RealTimeWaits);
                await Task.Delay(1);
            }
        }
    }

    /// <summary>Waits until no sequence holds the lock and the stage is settled (and changed, if a change is expected).</summary>
    public async Task<bool> SettleAsync(int stageChangesBefore, bool expectChange, string what)
    {
        var ok = await DriveAsync(() => Runtime.Controller.Lock.Holder is null
                                        && Runtime.Stage is NodeStage.Running or NodeStage.Maintenance or NodeStage.Unknown
                                        // a reboot stops the system before it leaves the Running stage: wait for the new boot
                                        && (Runtime.Stage != NodeStage.Running || Runtime.Booted is not null)
                                        && (!expectChange || StageChanges > stageChangesBefore), what);
        if (ok && Runtime.Stage != NodeStage.Unknown) LastConfig = Runtime.Config?.Digest;
        return ok;
    }

    /// <summary>Collects acknowledged events (called from the driver loop and after every step).</summary>
    public void Drain()
    {
        if (_events is null) return;
        while (_events.TryRead(out var e))
        {
            if (e.Sequence <= _lastDrained) NewHistory(e);
            _lastDrained = e.Sequence;
            Acked[e.Sequence] = EventCodec.Encode(e);
            if (SlowHealth is { } slow && e.PayloadCase == NodeEvent.PayloadOneofCase.HealthCheckResult && !e.HealthCheckResult.Passed
                && e.HealthCheckResult.Detail.Contains(Tests.SlowHealth.Pending, StringComparison.Ordinal))
                slow.GateGaveUp++;
            if (e.PayloadCase == NodeEvent.PayloadOneofCase.ImageWrittenToSlot)
                ImageDigests[e.ImageWrittenToSlot.ImageRef] = e.ImageWrittenToSlot.Digest;
        }
        if (!_durable && Runtime.Journal.Log is { } log && Acked.Count > 0 && log.LastSequence >= Acked.Keys.Max()) _durable = true;
    }

    /// <summary>
    /// The journal numbered from 1 again within one power-on: the node abandoned its disk's history. That is legitimate in
    /// one case only: the disk stopped being a Talos disk (the compensation of an interrupted <c>partitionDisk</c>, run by
    /// crash recovery, zeroes the GPT; the boot then finds no partition table), so the node enters maintenance with a
    /// fresh in-memory journal and the next install wipes META and starts a new log. The events acknowledged before are no
    /// longer owed by the disk: the reference history restarts with the new one (held in memory until META is attached
    /// again, see <see cref="Drain"/>). Any other step back in sequence is a journal bug.
    /// </summary>
    /// <remarks>
    /// Before, the reference kept the old history's tail (events 125..230 of seed 99 over the new log's 1..124) and the
    /// next crash reported acknowledged events lost (issue #11); the node had done what the install's compensation says.
    /// </remarks>
    private void NewHistory(NodeEvent e)
    {
        if (e.Sequence != 1 || e.PayloadCase != NodeEvent.PayloadOneofCase.MaintenanceEntered)
            throw new InvariantViolation(4, $"the journal went back from sequence {_lastDrained} to {e.Sequence} ({e.PayloadCase}) without starting a new history");
        AbandonHistory();
    }

    // The reference history restarts: what was acknowledged is no longer owed. Counted when the disk held it (a
    // restarted in-memory history, never durable, is not counted).
    private void AbandonHistory()
    {
        if (_durable) NewHistories++;
        Acked.Clear();
        _durable = false;
    }

    /// <summary>
    /// After a power loss that left no readable Talos table or META: whether the acknowledged history explains it. The
    /// compensation of an interrupted <c>partitionDisk</c> (crash recovery runs <c>wipePartitionTable</c>) abandons the
    /// disk's history: the events acknowledged into META before and around it are no longer reachable (the next boot
    /// finds no table) and are not owed; the reference history restarts, as in <see cref="NewHistory"/>. It does when
    /// the history since the last DiskLaidOut holds that compensation, or a <c>partitionDisk</c> that never completed.
    /// Any other loss of the log with acknowledged events stays an invariant 4 violation.
    /// </summary>
    public void AbandonHistoryIfTableWiped()
    {
        bool compensated = false, partitioning = false;
        foreach (var bytes in Acked.Values)
        {
            var e = EventCodec.Decode(bytes);
            switch (e.PayloadCase)
            {
                case NodeEvent.PayloadOneofCase.DiskLaidOut: compensated = false; break;
                case NodeEvent.PayloadOneofCase.StepCompensated when e.StepCompensated.Action == "wipePartitionTable": compensated = true; break;
                case NodeEvent.PayloadOneofCase.TaskStarted when e.TaskStarted.Task == "partitionDisk": partitioning = true; break;
                case NodeEvent.PayloadOneofCase.TaskCompleted when e.TaskCompleted.Task == "partitionDisk": partitioning = false; break;
            }
        }
        if (compensated || partitioning) AbandonHistory();
    }

    /// <summary>Times a node abandoned a history its disk held and started a new one (see <see cref="NewHistory"/>).</summary>
    public int NewHistories { get; private set; }

    /// <summary>
    /// The power fails now: the crash model decides the fate of every unflushed write. The old runtime is abandoned;
    /// the returned disk is what the next power-on sees.
    /// </summary>
    public string PowerLoss(ulong seed, CrashModel model)
    {
        Drain();
        Abandon(Runtime);
        Clock = new VirtualTimeProvider(Clock.GetUtcNow());
        _events = null;
        // A node forked over an already crashed image (exhaustive mode) has nothing at risk: keep its disk, skip the copy.
        if (!Disk.PowerLost && Disk.WriteCount == 0) return "disk already crashed";
        var crashed = Disk.Crash(seed, model);
        Disk = new PowerLossSimulator(crashed);
        return crashed.ToString();
    }

    /// <summary>
    /// Releases what keeps a dead runtime alive without touching the disk: its META log's writer thread, if it started
    /// one. A blocked writer thread roots the log, the runtime and the whole simulated disk; abandoned by the thousand
    /// (one per crash state) they exhausted the test host's memory (about 20 GB for the rollback scenario): that was the
    /// crash of two simulation runs in one test host (issue #11). MetaLog now starts the thread only for a queued batch.
    /// </summary>
    public static void Abandon(NodeRuntime? dead) => dead?.Journal.Log?.Dispose();

    /// <summary>
    /// A dead runtime's task: its failure (the power loss reaching its next I/O) is observed when it comes, so it is
    /// not left to the finalizer as an unobserved task exception (hundreds per run, each finalized on the other core).
    /// </summary>
    public static void Forget(Task task) => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>After recovery was checked, the recovered log becomes the reference history.</summary>
    public void ResetReference(IEnumerable<KeyValuePair<ulong, byte[]>> recovered, bool durable)
    {
        Acked.Clear();
        foreach (var (k, v) in recovered) Acked[k] = v;
        _durable = durable;
    }
}

/// <summary>The simulation itself could not go on (stuck runtime, unexpected exception); carries the seed in its message upstream.</summary>
public sealed class SimulationException(string message, Exception? inner = null) : Exception(message, inner);
