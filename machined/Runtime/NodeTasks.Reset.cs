using Talos.Api.Events;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

internal sealed partial class NodeTasks
{
    /// <summary>What a reset without labels wipes: STATE and EPHEMERAL. BOOT slots and META survive every reset.</summary>
    internal static readonly IReadOnlyList<string> DefaultResetLabels = ["EPHEMERAL", "STATE"];

    private void AddResetTasks()
    {
        Add("resetSystemDisk", (c, ct) => WipeAsync(c, DefaultResetLabels, ct));
        Add("resetSystemDiskSpec", (c, ct) => WipeAsync(c, ((ResetRequest)c.Request).Labels, ct));
    }

    /// <summary>Wipes the labels (idempotent: re-running wipes again), then records the reset.</summary>
    private async ValueTask<TaskOutcome> WipeAsync(TaskContext c, IReadOnlyList<string> labels, CancellationToken ct)
    {
        var req = (ResetRequest)c.Request;
        var full = _node.Pending.FullWipe;
        var sorted = labels.OrderBy(l => l, StringComparer.Ordinal).ToList();
        if (sorted.Contains("STATE")) _node.CloseStateStore();
        foreach (var label in sorted)
        {
            var bytes = _node.Disk.Wipe(label, full);
            _node.Kernel.Talos($"reset: wiped {label} ({(full ? "zeroed" : "headers")}, {bytes} bytes)");
        }
        var reset = new NodeReset { Preserve = !sorted.Contains("STATE"), Graceful = req.Graceful };
        reset.LabelsWiped.AddRange(sorted);
        await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.NodeReset = reset, ct);
        return TaskOutcome.Continue;
    }
}
