using Talos.Api.Events;
using Talos.Core.Config;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

internal sealed partial class NodeTasks
{
    private void AddConfigTasks()
    {
        // STATE's store writes the older slot, flushes, and wins by generation: after any crash the config on
        // STATE is the old or the new one, never a mix (invariant 5). Re-running writes the same bytes again.
        Add("writeConfig", async (c, ct) =>
        {
            var p = PendingConfig(c);
            var before = _node.Config;
            _node.StateStore.Put(ConfigDocs.Active, p.Bytes);
            _node.StateStore.Delete(ConfigDocs.Staged);
            var applied = NodeRuntime.ConfigAppliedFor(p.Mode, p.Config);
            if (before is not null) applied.ChangedPaths.AddRange(MachineConfig.ChangedPaths(before, p.Config).OrderBy(x => x, StringComparer.Ordinal));
            await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.ConfigApplied = applied, ct);
            return TaskOutcome.Continue;
        });
        Add("stageConfig", async (c, ct) =>
        {
            var p = PendingConfig(c);
            _node.StateStore.Put(ConfigDocs.Staged, p.Bytes);
            await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.ConfigStaged = new ConfigStaged { Digest = p.Config.Digest }, ct);
            return TaskOutcome.Continue;
        });
        // Try mode: the new config is active but not persisted; STATE keeps the old one, so a reboot or power loss
        // before the timeout comes back with the old config by construction.
        Add("tryConfig", async (c, ct) =>
        {
            var p = PendingConfig(c);
            await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.ConfigApplied = NodeRuntime.ConfigAppliedFor(ApplyMode.Try, p.Config), ct);
            return TaskOutcome.Continue;
        });
        Add("restorePreviousConfig", async (c, ct) =>
        {
            var stored = _node.StateStore.Get(ConfigDocs.Active);
            if (stored is null) return TaskOutcome.Continue;
            var previous = MachineConfig.Parse(System.Text.Encoding.UTF8.GetString(stored));
            // What is reverted is the try config the log made active (after a power loss the in-memory config is
            // already the stored one); nothing to revert when the log's active config is the stored one.
            var reverted = _node.State.ConfigDigest;
            if (reverted.Length == 0 || reverted == previous.Digest) return TaskOutcome.Continue;
            var appended = await _node.Journal.AppendIfAsync(st => st.ConfigDigest == reverted, c.ActorId, c.SequenceId, e => e.ConfigTryReverted = new ConfigTryReverted
            {
                RevertedDigest = reverted, RestoredDigest = previous.Digest, Reason = "try mode interrupted; the stored config is active again",
            }, ct);
            if (appended)
            {
                _node.ActivateConfig(previous, stored);
                await _node.ReconcileKubernetesAsync(c.ActorId, c.SequenceId, ct);
            }
            return TaskOutcome.Continue;
        });
        Add("applyConfigLive", async (c, ct) =>
        {
            var p = PendingConfig(c);
            _node.ActivateConfig(p.Config, p.Bytes);
            await _node.ReconcileKubernetesAsync(c.ActorId, c.SequenceId, ct);   // issue #12: new images restart their units
            return TaskOutcome.Continue;
        });
    }

    private PendingConfig PendingConfig(TaskContext c) =>
        _node.Pending.Config ?? throw new InvalidOperationException($"{c.Task}: no configuration was submitted with this operation");
}
