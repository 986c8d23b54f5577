using Talos.Api.Events;

namespace Talos.Ctl.Client;

/// <summary>One-line human summaries of Talos.NET NodeEvents (the MESSAGE column of <c>talosctl events</c>).</summary>
public static class NodeEventText
{
    /// <summary>"A"/"B" for a slot.</summary>
    public static string Slot(Slot s) => s switch { Api.Events.Slot.A => "A", Api.Events.Slot.B => "B", _ => "?" };

    /// <summary>The summary of <paramref name="e"/>.</summary>
    public static string Describe(NodeEvent e) => e.PayloadCase switch
    {
        NodeEvent.PayloadOneofCase.SequenceStarted => $"{e.SequenceStarted.Sequence} started {e.SequenceStarted.Request}".TrimEnd(),
        NodeEvent.PayloadOneofCase.SequenceCompleted => $"{e.SequenceCompleted.Sequence} completed",
        NodeEvent.PayloadOneofCase.SequenceFailed => $"{e.SequenceFailed.Sequence} failed ({e.SequenceFailed.Code}): {e.SequenceFailed.Message}",
        NodeEvent.PayloadOneofCase.PhaseStarted => $"phase {e.PhaseStarted.Phase} ({e.PhaseStarted.Index}/{e.PhaseStarted.Count})",
        NodeEvent.PayloadOneofCase.PhaseCompleted => $"phase {e.PhaseCompleted.Phase} done",
        NodeEvent.PayloadOneofCase.PhaseFailed => $"phase {e.PhaseFailed.Phase} failed: {e.PhaseFailed.Message}",
        NodeEvent.PayloadOneofCase.TaskFailed => $"task {e.TaskFailed.Task} failed: {e.TaskFailed.Message}",
        NodeEvent.PayloadOneofCase.OperationLocked => $"{e.OperationLocked.Requested} refused: {e.OperationLocked.Running} is running",
        NodeEvent.PayloadOneofCase.ImageWrittenToSlot => $"slot {Slot(e.ImageWrittenToSlot.Slot)} <- {e.ImageWrittenToSlot.ImageRef} ({e.ImageWrittenToSlot.Version}, sha256:{Short(e.ImageWrittenToSlot.Digest)})",
        NodeEvent.PayloadOneofCase.TrialBootSet => $"next boot: slot {Slot(e.TrialBootSet.Slot)} ({e.TrialBootSet.Tries} tries)",
        NodeEvent.PayloadOneofCase.BootAttempted => $"boot slot {Slot(e.BootAttempted.Slot)}{(e.BootAttempted.Trial ? $" (trial, {e.BootAttempted.TriesLeft} tries left)" : "")}",
        NodeEvent.PayloadOneofCase.Booted => $"booted slot {Slot(e.Booted.Slot)} {e.Booted.Version}",
        NodeEvent.PayloadOneofCase.HealthCheckResult => $"{e.HealthCheckResult.Check}: {(e.HealthCheckResult.Passed ? "passed" : "FAILED")} {e.HealthCheckResult.Detail}".TrimEnd(),
        NodeEvent.PayloadOneofCase.BootConfirmed => $"slot {Slot(e.BootConfirmed.Slot)} confirmed ({e.BootConfirmed.Version})",
        NodeEvent.PayloadOneofCase.RolledBack => RolledBack(e.RolledBack),
        NodeEvent.PayloadOneofCase.ForensicDigestMismatch => $"{e.ForensicDigestMismatch.Area}: digest {Short(e.ForensicDigestMismatch.Actual)} != recorded {Short(e.ForensicDigestMismatch.Expected)}",
        NodeEvent.PayloadOneofCase.MaintenanceEntered => $"maintenance mode: {e.MaintenanceEntered.Reason}",
        NodeEvent.PayloadOneofCase.ConfigApplied => $"config applied ({e.ConfigApplied.Mode}): {string.Join(", ", e.ConfigApplied.ChangedPaths)}".TrimEnd(' ', ':'),
        NodeEvent.PayloadOneofCase.ConfigStaged => $"config staged sha256:{Short(e.ConfigStaged.Digest)}",
        NodeEvent.PayloadOneofCase.ConfigTryReverted => $"try config reverted: {e.ConfigTryReverted.Reason}",
        NodeEvent.PayloadOneofCase.BootstrapDone => $"bootstrapped cluster {e.BootstrapDone.ClusterName}",
        NodeEvent.PayloadOneofCase.NodeReset => $"reset: wiped [{string.Join(" ", e.NodeReset.LabelsWiped)}]{(e.NodeReset.Preserve ? ", STATE preserved" : "")}",
        NodeEvent.PayloadOneofCase.PartitionWiped => $"wiped {e.PartitionWiped.Label}",
        NodeEvent.PayloadOneofCase.ServiceStateChanged => $"{e.ServiceStateChanged.Service} {e.ServiceStateChanged.State}: {e.ServiceStateChanged.Message}",
        NodeEvent.PayloadOneofCase.EtcdMembershipChanged => Etcd(e.EtcdMembershipChanged),
        NodeEvent.PayloadOneofCase.MetaKeySet => $"meta 0x{e.MetaKeySet.Key:x2} set",
        NodeEvent.PayloadOneofCase.MetaKeyDeleted => $"meta 0x{e.MetaKeyDeleted.Key:x2} deleted",
        NodeEvent.PayloadOneofCase.LogRepaired when e.LogRepaired.ResumedAtSequence > 0 => $"META damaged after {e.LogRepaired.LastGoodSequence}: {e.LogRepaired.Reason}",
        NodeEvent.PayloadOneofCase.LogRepaired => $"log repaired at {e.LogRepaired.LastGoodSequence}: {e.LogRepaired.Reason}",
        _ => e.PayloadCase.ToString(),
    };

    /// <summary>The rollback with its evidence: reason, detail, failed checks, tries used.</summary>
    public static string RolledBack(RolledBack r)
    {
        var text = $"rolled back {Slot(r.From)} -> {Slot(r.To)}: {r.Reason}";
        if (r.Detail.Length > 0) text += $": {r.Detail}";
        if (r.FailedChecks.Count > 0) text += $" (failed checks: {string.Join(", ", r.FailedChecks)})";
        if (r.TriesUsed > 0) text += $" after {r.TriesUsed} tries";
        return text;
    }

    /// <summary>An etcd membership change: what, which member, and the cluster's revision and size after it.</summary>
    public static string Etcd(EtcdMembershipChanged c)
    {
        var change = c.Change switch
        {
            EtcdChange.MemberAdded => "member added",
            EtcdChange.MemberPromoted => "member promoted",
            EtcdChange.MemberRemoved => "member removed",
            EtcdChange.LeaderChanged => "leader changed",
            var x => x.ToString().ToLowerInvariant(),
        };
        var what = $"etcd {change}: member {c.MemberId:x} ({c.MemberName}), cluster {c.ClusterId:x}";
        return c.Members == 0 ? what + ", local data deleted" : what + $", revision {c.Revision}, {c.Members} member(s)";
    }

    private static string Short(string hex) => hex.Length > 12 ? hex[..12] : hex;
}
