using Talos.Api.Events;
using Talos.Core.Config;
using ApplyMode = Talos.Api.Events.ApplyMode;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>
    /// Why the machine config on STATE was refused at this boot (issue #22; null when it was not): it is not the config
    /// the event log last recorded as applied. Shown as a MachineStatus unmet condition; the node stays in maintenance.
    /// </summary>
    internal string? ConfigBindingProblem { get; private set; }

    /// <summary>
    /// Binds STATE to META (issue #22): the config on STATE may become active only when it is the one the log last
    /// recorded as applied (<c>NodeState.ConfigDigest</c>), the one a TRY config replaced (a try is never written to
    /// STATE), or — after a power loss between a ConfigApplied and its STATE write (the write-ahead order of
    /// apply-config in maintenance, simulation seed 957) — the config applied before it, which then stays active and
    /// is recorded again. Anything else (e.g. a <c>machine.ca</c> replaced on the disk) is refused: null when bound,
    /// else the reason.
    /// </summary>
    private async Task<string?> CheckConfigBindingAsync(MachineConfig onState, CancellationToken ct)
    {
        var recorded = State.ConfigDigest;
        if (onState.Digest == recorded) return null;
        if (State.TryPreviousConfigDigest.Length > 0 && onState.Digest == State.TryPreviousConfigDigest) return null;
        if (recorded.Length > 0 && PreviousAppliedDigest(recorded) == onState.Digest)
        {
            Kernel.Talos($"machine config {recorded} was recorded as applied but never reached STATE (a power loss cut the write short): config {onState.Digest} on STATE stays active");
            await Journal.AppendAsync("", "", e => e.ConfigApplied = ConfigAppliedFor(ApplyMode.Reboot, onState), ct);
            return null;
        }
        var what = recorded.Length == 0 ? "the event log records no applied config" : $"the event log last recorded config {recorded} as applied";
        return $"the machine config on STATE ({onState.Digest}) is not the one the node applied ({what}): STATE was changed outside the node's API, so it is not used " +
               "and the API with its CA is not started; apply the intended config (talosctl apply-config --insecure) or reset the node";
    }

    // The digest of the config applied (not staged, not tried) just before the last application of `last`, from the
    // records META still holds; null when there is none (compacted away, or `last` is the first).
    private string? PreviousAppliedDigest(string last)
    {
        string? previous = null, current = null;
        foreach (var e in Journal.ReadAll())
        {
            if (e.PayloadCase == NodeEvent.PayloadOneofCase.NodeReset && !e.NodeReset.Preserve) (previous, current) = (null, null);
            if (e.PayloadCase != NodeEvent.PayloadOneofCase.ConfigApplied || e.ConfigApplied.Mode is ApplyMode.Staged or ApplyMode.Try) continue;
            if (e.ConfigApplied.Digest != current) (previous, current) = (current, e.ConfigApplied.Digest);
        }
        return current == last ? previous : null;
    }
}
