using System.Collections.Immutable;
using Google.Protobuf;
using Talos.Api.State;
using Talos.Core.Errors;

namespace Talos.Core.State;

/// <summary>Maps <see cref="NodeState"/> to and from its canonical protobuf form (talos.state.v1).</summary>
internal static class StateSnapshotMapper
{
    internal const uint Format = 1;

    internal static NodeStateSnapshot ToMessage(NodeState s)
    {
        var m = new NodeStateSnapshot
        {
            Format = Format,
            LastSequence = s.LastSequence,
            Installed = s.Installed,
            InMaintenance = s.InMaintenance,
            SlotA = ToMessage(s.SlotA),
            SlotB = ToMessage(s.SlotB),
            AttemptedSlot = s.AttemptedSlot,
            BootedSlot = s.BootedSlot,
            BootedVersion = s.BootedVersion,
            BootedDigest = s.BootedDigest,
            HasRunning = s.Running is not null,
            Running = ToMessage(s.Running),
            ConfigDigest = s.ConfigDigest,
            StagedConfigDigest = s.StagedConfigDigest,
            TryPreviousConfigDigest = s.TryPreviousConfigDigest,
            Bootstrapped = s.Bootstrapped,
            ClusterName = s.ClusterName,
            Counters = ToMessage(s.Counters),
            LastError = s.LastError,
            LastCheckpoint = s.LastCheckpoint,
            MirroredUpTo = s.MirroredUpTo,
            AnomalyCount = s.AnomalyCount,
            DiskGuid = s.DiskGuid,
            EtcdMembers = s.EtcdMembers,
        };
        // Sorted collections iterate in key order (ordinal for strings): the canonical order.
        foreach (var svc in s.Services.Values)
            m.Services.Add(new ServiceSnapshot { Name = svc.Name, State = svc.State, Healthy = svc.Healthy, Message = svc.Message });
        foreach (var (key, value) in s.Meta)
            m.Meta.Add(new MetaEntry { Key = key, Value = value });
        foreach (var h in s.Health.Values)
            m.Health.Add(new HealthSnapshot { Check = h.Check, Passed = h.Passed, Detail = h.Detail });
        foreach (var a in s.Anomalies)
            m.Anomalies.Add(new AnomalySnapshot { Sequence = a.Sequence, Message = a.Message });
        return m;
    }

    internal static NodeState FromBytes(ReadOnlySpan<byte> bytes)
    {
        NodeStateSnapshot m;
        try
        {
            m = NodeStateSnapshot.Parser.WithDiscardUnknownFields(true).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SnapshotDecodeException("not a protobuf NodeStateSnapshot: " + ex.Message, ex);
        }
        if (m.Format != Format)
            throw new SnapshotDecodeException($"unsupported snapshot format {m.Format} (expected {Format})");
        if (m.Anomalies.Count > NodeState.MaxAnomalies || (ulong)m.Anomalies.Count > m.AnomalyCount)
            throw new SnapshotDecodeException($"{m.Anomalies.Count} anomalies kept but at most {NodeState.MaxAnomalies} (and at most anomaly_count {m.AnomalyCount}) are allowed");
        NodeState s;
        try
        {
            s = FromMessage(m);
        }
        catch (ArgumentException ex)
        {
            throw new SnapshotDecodeException("duplicate key: " + ex.Message, ex);
        }
        // Exactness: only canonical bytes are accepted, so FromSnapshot(x).ToSnapshot() == x always.
        if (!bytes.SequenceEqual(s.CanonicalBytes()))
            throw new SnapshotDecodeException("not in canonical form (unsorted entries, unknown fields or missing sub-messages)");
        return s;
    }

    private static NodeState FromMessage(NodeStateSnapshot m) => new()
    {
        LastSequence = m.LastSequence,
        Installed = m.Installed,
        InMaintenance = m.InMaintenance,
        SlotA = FromMessage(m.SlotA),
        SlotB = FromMessage(m.SlotB),
        AttemptedSlot = m.AttemptedSlot,
        BootedSlot = m.BootedSlot,
        BootedVersion = m.BootedVersion,
        BootedDigest = m.BootedDigest,
        Running = m.HasRunning && m.Running is { } r
            ? new RunningSequence(r.SequenceId, r.Name, r.ActorId, r.Phase, r.OpenTasks.ToImmutableSortedSet(StringComparer.Ordinal), r.StartedAt)
            : null,
        ConfigDigest = m.ConfigDigest,
        StagedConfigDigest = m.StagedConfigDigest,
        TryPreviousConfigDigest = m.TryPreviousConfigDigest,
        Bootstrapped = m.Bootstrapped,
        ClusterName = m.ClusterName,
        Services = m.Services.ToImmutableSortedDictionary(x => x.Name,
            x => new ServiceStatus(x.Name, x.State, x.Healthy, x.Message), StringComparer.Ordinal),
        Meta = m.Meta.ToImmutableSortedDictionary(x => x.Key, x => x.Value),
        Health = m.Health.ToImmutableSortedDictionary(x => x.Check,
            x => new HealthCheck(x.Check, x.Passed, x.Detail), StringComparer.Ordinal),
        Counters = m.Counters is { } c
            ? new Counters(c.Boots, c.Upgrades, c.Rollbacks, c.Resets, c.ConfigApplies, c.LogRepairs, c.ForensicMismatches, c.EtcdChanges)
            : Counters.Zero,
        LastError = m.LastError,
        LastCheckpoint = m.LastCheckpoint,
        MirroredUpTo = m.MirroredUpTo,
        Anomalies = m.Anomalies.Select(a => new Anomaly(a.Sequence, a.Message)).ToImmutableList(),
        AnomalyCount = m.AnomalyCount,
        DiskGuid = m.DiskGuid,
        EtcdMembers = m.EtcdMembers,
    };

    private static SlotSnapshot ToMessage(SlotState s) => new()
    {
        Digest = s.Digest, Version = s.Version, ImageRef = s.ImageRef, Size = s.Size,
        Priority = s.Priority, TriesLeft = s.TriesLeft, Successful = s.Successful, TriesBudget = s.TriesBudget,
    };

    private static SlotState FromMessage(SlotSnapshot? s) => s is null
        ? SlotState.Empty
        : new SlotState(s.Digest, s.Version, s.ImageRef, s.Size, s.Priority, s.TriesLeft, s.Successful, s.TriesBudget);

    private static RunningSnapshot ToMessage(RunningSequence? r) => r is null
        ? new RunningSnapshot()
        : new RunningSnapshot
        {
            SequenceId = r.SequenceId, Name = r.Name, ActorId = r.ActorId, Phase = r.Phase,
            OpenTasks = { r.OpenTasks }, StartedAt = r.StartedAt,
        };

    private static CountersSnapshot ToMessage(Counters c) => new()
    {
        Boots = c.Boots, Upgrades = c.Upgrades, Rollbacks = c.Rollbacks, Resets = c.Resets,
        ConfigApplies = c.ConfigApplies, LogRepairs = c.LogRepairs, ForensicMismatches = c.ForensicMismatches,
        EtcdChanges = c.EtcdChanges,
    };
}
