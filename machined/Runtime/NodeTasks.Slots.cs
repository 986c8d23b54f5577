using Talos.Api.Events;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Upgrade.Slots;

namespace Talos.Machined.Runtime;

internal sealed partial class NodeTasks
{
    /// <summary>META key that asks the next boot of a switched slot to wipe EPHEMERAL (staged upgrade without --preserve).</summary>
    internal const uint WipeEphemeralKey = 0xA1;

    private void AddSlotTasks()
    {
        Add("writeInactiveSlot", async (c, ct) =>
        {
            var target = _node.InactiveSlot();
            await _node.WriteSlotAsync(c, ImageOf(c.Request), target, _node.ConfirmedSlot(), ct);
            return TaskOutcome.Continue;
        });
        Add("verifyInactiveSlot", (c, ct) =>
        {
            var target = _node.InactiveSlot();
            var m = new SlotReader().Measure(_node.Disk.Slot(target), ct);
            var recorded = _node.State.SlotOf(target).Digest;
            if (NodeRuntime.Hex(m) != recorded)
                throw new InvalidOperationException($"slot {target} does not verify: measured {(m.IsValid ? NodeRuntime.Hex(m) : m.State + " (" + m.Reason + ")")}, recorded {recorded}");
            return Ok;
        });
        Add("setTrialBoot", async (c, ct) =>
        {
            await _node.SetTrialAsync(c, _node.InactiveSlot(), ct);
            if (c.Request is UpgradeRequest { Preserve: false })
                await _node.WipeEphemeralAtSwitchAsync(c, ct);
            return TaskOutcome.Continue;
        });
        // Staged upgrade: write, verify and mark the trial now; the switch happens at the next reboot.
        Add("stageUpgradeImage", async (c, ct) =>
        {
            var target = _node.InactiveSlot();
            await _node.WriteSlotAsync(c, ImageOf(c.Request), target, _node.ConfirmedSlot(), ct);
            await _node.SetTrialAsync(c, target, ct);
            if (c.Request is UpgradeRequest { Preserve: false } or StageUpgradeRequest { Preserve: false })
                await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.MetaKeySet = new MetaKeySet
                {
                    Key = WipeEphemeralKey, Value = Google.Protobuf.ByteString.CopyFromUtf8(target.ToString()),
                }, ct);
            return TaskOutcome.Continue;
        });
        // Compensations: the trial slot is made unbootable again (recorded as a rollback caused by a fatal sequence error).
        foreach (var name in new[] { "clearTrialBoot", "clearStagedUpgrade" })
            Add(name, async (c, ct) =>
            {
                var target = _node.InactiveSlot();
                if (_node.State.SlotOf(target).IsTrial)
                    await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.RolledBack = new RolledBack
                    {
                        From = target, To = _node.ConfirmedSlot() is { } cs ? cs : Slot.Unspecified,
                        Reason = RollbackReason.FatalSequenceError, Detail = $"{c.Sequence} interrupted; trial of slot {target} cancelled",
                    }, ct);
                return TaskOutcome.Continue;
            });
        Add("revertBootloader", async (c, ct) =>
        {
            var (from, to) = _node.CheckRollback(force: _node.Pending.ForceRollback);
            await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.RolledBack = new RolledBack
            {
                From = from, To = to, Reason = RollbackReason.Manual, Detail = "talosctl rollback",
            }, ct);
            return TaskOutcome.Continue;
        });
    }

    private static string ImageOf(ISequenceRequest r) => r switch
    {
        UpgradeRequest u => u.Image,
        StageUpgradeRequest s => s.Image,
        MaintenanceUpgradeRequest m => m.Image,
        InstallRequest i => i.Image,
        _ => throw new InvalidOperationException($"{r.Sequence} carries no image"),
    };
}
