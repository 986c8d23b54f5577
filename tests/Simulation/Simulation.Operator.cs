using Talos.Api.Events;
using Talos.Machined.Runtime;
using Talos.Sequencer.Locking;
using Talos.Sequencer.Running;

namespace Talos.Simulation.Tests;

public sealed partial class Simulation
{
    private static readonly string[] Hosts = ["node1", "node2", "node3"];

    /// <summary>The random operator: picks an operation that makes sense for the node's stage (refusals still happen and are counted).</summary>
    private SimOp NextOp()
    {
        var rt = _node.Runtime;
        if (rt.Stage == NodeStage.Unknown) return new SimOp("powerOn", "");
        if (rt.Stage == NodeStage.Maintenance)
            return new SimOp("apply", "maintenance", NewConfig: Cfg(_rng.Pick(Hosts)).Digest) { };
        var roll = _rng.Below(100);
        return roll switch
        {
            < 14 => Apply(),
            < 34 => new SimOp("upgrade", "good", Image: _rng.Pick(SimImages.Good)),
            < 46 => new SimOp("upgrade", "faulty", Image: _rng.Pick(SimImages.Faulty)),
            < 54 => new SimOp("upgrade", "staged", Image: _rng.Pick(SimImages.Good)),
            < 64 => new SimOp("rollback", ""),
            < 72 => new SimOp("reset", "preserve"),
            < 78 => new SimOp("reset", "full", WipesConfig: true),
            < 87 => new SimOp("reboot", ""),
            < 92 => SourceFails(),
            _ => new SimOp("shutdown", ""),
        };
    }

    /// <summary>An upgrade whose image source drops the connection half way through the payload.</summary>
    private SimOp SourceFails()
    {
        report.Fault("image source");
        return new SimOp("upgrade", "source-fails", Image: _rng.Pick(SimImages.BrokenSource));
    }

    private SimOp Apply()
    {
        var modes = _o.ApplyRebootMode ? new[] { "noReboot", "try", "staged", "reboot" } : ["noReboot", "try", "staged"];
        return new SimOp("apply", _rng.Pick(modes), NewConfig: Cfg(_rng.Pick(Hosts)).Digest);
    }

    /// <summary>Runs one operation to a settled node. False when the power was lost on the way.</summary>
    internal async Task<bool> ExecuteAsync(SimOp op)
    {
        var changes = _node.StageChanges;
        var rt = _node.Runtime;
        if (op.Kind == "powerOn") return await _node.PowerOnAsync();
        if (op.Kind == "apply") return await ApplyAsync(op, rt, changes);
        OperationHandle handle;
        try
        {
            handle = op.Kind switch
            {
                "upgrade" => rt.Upgrade(op.Image!, preserve: _rng.Chance(0.5), stage: op.Detail == "staged", force: false),
                "rollback" => rt.Rollback(),
                "reset" => rt.Reset(graceful: true, reboot: true, labels: op.Detail == "preserve" ? ["EPHEMERAL"] : null, fullWipe: false),
                "reboot" => rt.Reboot(),
                "shutdown" => rt.Shutdown(),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op.Kind, "unknown operation"),
            };
        }
        catch (Exception e) when (IsRefusal(e))
        {
            report.Refused();
            Step($"  refused: {e.GetType().Name}");
            return !_node.Disk.PowerLost;
        }
        if (!await _node.DriveAsync(() => handle.Completion.IsCompleted, op.ToString())) return false;
        var result = handle.Completion.Result.Run?.Result;
        if (result is RunResult.Failed) Step($"  failed: {handle.Completion.Result.Run?.Error?.Message}");
        if (op.Detail == "source-fails") CheckSourceFailure(result, handle.Completion.Result.Run?.Error);
        return await _node.SettleAsync(changes, expectChange: result is RunResult.Reboot or RunResult.PowerOff, op.ToString());
    }

    private async Task<bool> ApplyAsync(SimOp op, NodeRuntime rt, int changes)
    {
        var host = Hosts.First(h => Cfg(h).Digest == op.NewConfig);
        var mode = op.Detail switch
        {
            "try" => ApplyMode.Try,
            "staged" => ApplyMode.Staged,
            "reboot" => ApplyMode.Reboot,
            _ => ApplyMode.NoReboot,
        };
        var maintenance = rt.Stage == NodeStage.Maintenance;
        var t = rt.ApplyConfigurationAsync(SimImages.Config(host), mode, dryRun: false, CancellationToken.None);
        if (!await _node.DriveAsync(() => t.IsCompleted, op.ToString())) { SimNode.Forget(t); return false; }
        if (t.IsFaulted)
        {
            var e = t.Exception!.GetBaseException();
            if (!IsRefusal(e)) throw new SimulationException($"{op} threw", e);
            report.Refused();
            Step($"  refused: {e.GetType().Name}: {e.Message}");
            return true;
        }
        // The operation's continuation (which clears the pending inputs) runs before SettleAsync looks: it looks only
        // when nothing is queued.
        return await _node.SettleAsync(changes, expectChange: maintenance, op.ToString());
    }
}
