using Talos.Partitions.Devices;

namespace Talos.Simulation.Tests.Model;

/// <summary>The outcome of one sequence: null <see cref="Failure"/> when every invariant and the model held.</summary>
public sealed record SequenceResult(string? Failure, IReadOnlyList<string> Trace, int Crashes);

/// <summary>
/// Runs an operation sequence on a simulated node that starts from one installed disk image (made once per test by
/// <see cref="InstallAsync"/>), with power losses where the steps say, and after every step checks every invariant of
/// ARCHITECTURE.md (<see cref="Simulation.CheckSettled"/> and, after a crash, the disk-only checks of recovery) and the
/// <see cref="NodeModel"/>. A run is a function of the sequence alone (fixed seeds), so FsCheck can replay and shrink it.
/// </summary>
public static class ModelRunner
{
    private static readonly CrashModel[] Models = [CrashModel.DropAll, CrashModel.KeepAll, CrashModel.Default];

    /// <summary>The installed node every sequence starts from: its disk image and the node that wrote it (reference history).</summary>
    public sealed record Baseline(byte[] Image, SimNode Origin);

    /// <summary>Installs node1 (v1.9.0 into slot A) on a fresh 12 MiB disk. Call on the simulated CPU.</summary>
    public static async Task<Baseline> InstallAsync(SimImages images)
    {
        var sim = new Simulation(1, images, new SimReport());
        var origin = new SimNode(images, new SimRng(1000), SimOptions.DefaultDiskBytes);
        sim.Attach(origin);
        if (!await origin.PowerOnAsync() || !await sim.RunOpAsync(new SimOp("apply", "maintenance", NewConfig: Simulation.Cfg("node1").Digest)))
            throw new SimulationException("the baseline install lost power with no crash point set");
        var image = origin.Snapshot();
        SimNode.Abandon(origin.Runtime);
        return new Baseline(image, origin);
    }

    /// <summary>
    /// Runs <paramref name="ops"/> from <paramref name="baseline"/> against <paramref name="model"/>. Call on the simulated
    /// CPU. After a power loss the model may not know which of two states the node is in (both look the same now): it keeps
    /// every state the node could be in and drops those the later views contradict; the run fails when none is left.
    /// </summary>
    public static async Task<SequenceResult> RunAsync(SimImages images, Baseline baseline, IReadOnlyList<ModelOp> ops, NodeModel model)
    {
        var trace = new List<string>();
        var sim = new Simulation(1, images, new SimReport(), new SimOptions { RecoveryCrashProbability = 0 });
        var node = new SimNode(images, new SimRng(2), new MemoryBlockDevice(baseline.Image), baseline.Origin);
        sim.Attach(node);
        var crashes = 0;
        var step = "power-on";
        try
        {
            if (!await node.PowerOnAsync()) return new("the installed baseline lost power on power-on", trace, crashes);
            if (NodeView.Of(node) is var first && first != model.View) return new($"baseline: node {first}, model {model.View}", trace, crashes);
            List<NodeModel> models = [model];
            foreach (var (i, op) in ops.Index())
            {
                step = $"step {i + 1} {op}";
                var simOp = ToSimOp(op, node);
                var before = Before.Of(node);
                if (op.CrashAt is { } k) node.Disk.CrashAtWrite = node.Disk.WriteCount + k;
                List<NodeModel> next;
                if (await sim.RunOpAsync(simOp))
                {
                    simOp.Completed = true;
                    node.Disk.CrashAtWrite = null;
                    sim.CheckSettled(before, simOp, crashed: false);
                    next = models.Select(m => m.After(op)).Where(m => m.View == NodeView.Of(node)).Distinct().ToList();
                }
                else
                {
                    crashes++;
                    await sim.RecoverAsync(node, before, simOp, ((ulong)i, Models[op.CrashModel]));
                    next = models.SelectMany(m => m.AfterCrash(op, NodeView.Of(node))).Distinct().ToList();
                }
                trace.Add($"{op} → {NodeView.Of(node)}{(simOp.Completed ? "" : " (recovered)")}");
                if (next.Count == 0)
                    return new($"{step}: node {NodeView.Of(node)}, model expected {string.Join(" or ", models.Select(m => m.After(op).View).Concat(simOp.Completed ? [] : models.Select(m => m.View)).Distinct())}", trace, crashes);
                models = next;
            }
            step = "liveness";
            await sim.LivenessAsync();
            return new(null, trace, crashes);
        }
        catch (Exception e) when (e is InvariantViolation or SimulationException)
        {
            return new($"{step}: {e.Message}", trace, crashes);
        }
        finally { SimNode.Abandon(node.Runtime); }
    }

    private static SimOp ToSimOp(ModelOp op, SimNode node) => op.Kind switch
    {
        OpKind.Apply => new SimOp("apply", node.Runtime.Stage == Talos.Machined.Runtime.NodeStage.Maintenance ? "maintenance" : op.Staged ? "staged" : "noReboot",
            NewConfig: Simulation.Cfg(op.Host).Digest),
        OpKind.UpgradeGood => new SimOp("upgrade", "good", Image: op.Image),
        OpKind.UpgradeFaulty => new SimOp("upgrade", "faulty", Image: op.Image),
        OpKind.Rollback => new SimOp("rollback", ""),
        OpKind.ResetPreserve => new SimOp("reset", "preserve"),
        OpKind.ResetFull => new SimOp("reset", "full", WipesConfig: true),
        _ => new SimOp("reboot", ""),
    };
}
