using Talos.Machined.Runtime;
using Talos.Partitions.Devices;

namespace Talos.Simulation.Tests.Model;

/// <summary>The outcome of one sequence: null <see cref="Failure"/> when every invariant and the model held.</summary>
public sealed record SequenceResult(string? Failure, IReadOnlyList<string> Trace, int Crashes);

/// <summary>
/// Runs operation sequences on a simulated node that starts from an installed disk image (made once per test by
/// <see cref="InstallAsync"/>), with power losses where the steps say, and after every step checks every invariant of
/// ARCHITECTURE.md (<see cref="Simulation.CheckSettled"/> and, after a crash, the disk-only checks of recovery) and the
/// <see cref="NodeModel"/>. A run is a function of the sequence alone (fixed seeds), so FsCheck can replay and shrink it.
/// After a power loss the model may not know which of two states the node is in (both look the same now): it keeps every
/// state the node could be in and drops those later views contradict; the run fails when none is left.
/// </summary>
public sealed class ModelRunner
{
    private static readonly CrashModel[] Models = [CrashModel.DropAll, CrashModel.KeepAll, CrashModel.Default];
    private readonly Simulation _sim;
    private List<NodeModel> _models;
    private int _steps;

    /// <summary>The installed node every sequence starts from: its disk image and the node that wrote it (reference history).</summary>
    public sealed record Baseline(IBlockDevice Image, SimNode Origin);

    private ModelRunner(SimImages images, Baseline baseline, NodeModel model, ulong seed, bool fleetMirrored)
    {
        _sim = new Simulation(seed, images, new SimReport(), new SimOptions { RecoveryCrashProbability = 0 });
        Node = new SimNode(images, new SimRng(seed + 1), SimNode.Fork(baseline.Image), baseline.Origin) { FleetMirrored = fleetMirrored };
        _sim.Attach(Node);
        _models = [model];
    }

    /// <summary>The simulated node.</summary>
    public SimNode Node { get; }

    /// <summary>Power losses so far.</summary>
    public int Crashes { get; private set; }

    /// <summary>One line per step: the step and the node's view after it.</summary>
    public List<string> Trace { get; } = new();

    /// <summary>Installs node1 (v1.9.0 into slot A) on a fresh 12 MiB disk. Call on the simulated CPU.</summary>
    public static async Task<Baseline> InstallAsync(SimImages images, ulong seed = 1000)
    {
        var sim = new Simulation(seed, images, new SimReport());
        var origin = new SimNode(images, new SimRng(seed), SimOptions.DefaultDiskBytes);
        sim.Attach(origin);
        if (!await origin.PowerOnAsync() || !await sim.RunOpAsync(new SimOp("apply", "maintenance", NewConfig: Simulation.Cfg("node1").Digest)))
            throw new SimulationException("the baseline install lost power with no crash point set");
        var image = origin.Snapshot();
        SimNode.Abandon(origin.Runtime);
        return new Baseline(image, origin);
    }

    /// <summary>Powers a node on over <paramref name="baseline"/>; null and a failure when it does not match <paramref name="model"/>.</summary>
    public static async Task<(ModelRunner? Runner, string? Failure)> StartAsync(SimImages images, Baseline baseline, NodeModel model, ulong seed = 1, bool fleetMirrored = false)
    {
        var r = new ModelRunner(images, baseline, model, seed, fleetMirrored);
        if (!await r.Node.PowerOnAsync()) return (null, "the installed baseline lost power on power-on");
        if (NodeView.Of(r.Node) is var first && first != model.View)
        {
            r.Abandon();
            return (null, $"baseline: node {first}, model {model.View}");
        }
        return (r, null);
    }

    /// <summary>Runs <paramref name="ops"/> from <paramref name="baseline"/> against <paramref name="model"/> (then liveness). Call on the simulated CPU.</summary>
    public static async Task<SequenceResult> RunAsync(SimImages images, Baseline baseline, IReadOnlyList<ModelOp> ops, NodeModel model)
    {
        var (r, failure) = await StartAsync(images, baseline, model);
        if (r is null) return new(failure, [], 0);
        try
        {
            foreach (var op in ops)
                if (await r.StepAsync(op) is { } f) return new(f, r.Trace, r.Crashes);
            return new(await r.LivenessAsync(), r.Trace, r.Crashes);
        }
        finally { r.Abandon(); }
    }

    /// <summary>Runs one step (power loss and recovery included) and checks it; the failure, or null.</summary>
    public async Task<string?> StepAsync(ModelOp op)
    {
        var step = $"step {++_steps} {op}";
        try
        {
            var simOp = ToSimOp(op, Node);
            var before = Before.Of(Node);
            if (op.CrashAt is { } k) Node.Disk.CrashAtWrite = Node.Disk.WriteCount + k;
            List<NodeModel> next;
            if (await _sim.RunOpAsync(simOp))
            {
                simOp.Completed = true;
                Node.Disk.CrashAtWrite = null;
                _sim.CheckSettled(before, simOp, crashed: false);
                next = _models.Select(m => m.After(op)).Where(m => m.View == NodeView.Of(Node)).Distinct().ToList();
            }
            else
            {
                Crashes++;
                await _sim.RecoverAsync(Node, before, simOp, ((ulong)_steps, Models[op.CrashModel]));
                next = _models.SelectMany(m => m.AfterCrash(op, NodeView.Of(Node))).Distinct().ToList();
            }
            var view = NodeView.Of(Node);
            Trace.Add($"{op} → {view}{(simOp.Completed ? "" : " (recovered)")}");
            if (next.Count == 0)
                return $"{step}: node {view}, model expected {string.Join(" or ", _models.Select(m => m.After(op).View).Concat(simOp.Completed ? [] : _models.Select(m => m.View)).Distinct())}";
            _models = next;
            return null;
        }
        catch (Exception e) when (e is InvariantViolation or SimulationException)
        {
            return $"{step}: {e.Message}";
        }
    }

    /// <summary>The fault-free end: the node must end Running on a confirmed slot.</summary>
    public async Task<string?> LivenessAsync()
    {
        try
        {
            await _sim.LivenessAsync();
            return null;
        }
        catch (Exception e) when (e is InvariantViolation or SimulationException) { return $"liveness: {e.Message}"; }
    }

    /// <summary>Releases the node's runtime (its META writer thread would keep the disk alive).</summary>
    public void Abandon() => SimNode.Abandon(Node.Runtime);

    private static SimOp ToSimOp(ModelOp op, SimNode node) => op.Kind switch
    {
        OpKind.Apply => new SimOp("apply", node.Runtime.Stage == NodeStage.Maintenance ? "maintenance" : op.Staged ? "staged" : "noReboot",
            NewConfig: Simulation.Cfg(op.Host).Digest),
        OpKind.UpgradeGood => new SimOp("upgrade", "good", Image: op.Image),
        OpKind.UpgradeFaulty => new SimOp("upgrade", "faulty", Image: op.Image),
        OpKind.Rollback => new SimOp("rollback", ""),
        OpKind.ResetPreserve => new SimOp("reset", "preserve"),
        OpKind.ResetFull => new SimOp("reset", "full", WipesConfig: true),
        _ => new SimOp("reboot", ""),
    };
}
