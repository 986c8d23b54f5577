using System.Collections.Immutable;
using System.Security.Cryptography;
using Google.Protobuf;
using Talos.Api.Events;

namespace Talos.Core.State;

/// <summary>
/// The node as a fold of its event log: <c>events.Aggregate(NodeState.Initial, NodeState.Apply)</c>.
/// Immutable; <see cref="Apply"/> is pure and total (events that do not fit become <see cref="Anomalies"/>).
/// Equality and <see cref="Hash"/> are defined by the canonical serialisation
/// (<see cref="CanonicalBytes"/>, specs/formats/node-state.md), so two replays compare byte for byte.
/// </summary>
public sealed partial record NodeState
{
    /// <summary>At most this many anomalies are kept (oldest dropped); <see cref="AnomalyCount"/> counts all.</summary>
    public const int MaxAnomalies = 32;

    /// <summary>The state before the first event: not installed, in maintenance, both slots empty.</summary>
    public static NodeState Initial { get; } = new();

    /// <summary>META sequence number of the last event applied (0 = none).</summary>
    public ulong LastSequence { get; init; }

    /// <summary>True once a slot was set up for boot (install done); false after a system-disk reset.</summary>
    public bool Installed { get; init; }

    /// <summary>True while the node runs in maintenance mode (initially, and when no slot is bootable).</summary>
    public bool InMaintenance { get; init; } = true;

    /// <summary>Slot A.</summary>
    public SlotState SlotA { get; init; } = SlotState.Empty;

    /// <summary>Slot B.</summary>
    public SlotState SlotB { get; init; } = SlotState.Empty;

    /// <summary>Slot of the last BootAttempted (Unspecified if none).</summary>
    public Slot AttemptedSlot { get; init; }

    /// <summary>Slot the node runs from (Unspecified in maintenance).</summary>
    public Slot BootedSlot { get; init; }

    /// <summary>Version reported by Booted.</summary>
    public string BootedVersion { get; init; } = "";

    /// <summary>Digest measured at boot.</summary>
    public string BootedDigest { get; init; } = "";

    /// <summary>The running sequence, or null when idle.</summary>
    public RunningSequence? Running { get; init; }

    /// <summary>Digest of the active machine config ("" = none).</summary>
    public string ConfigDigest { get; init; } = "";

    /// <summary>Digest of a staged config applied at next reboot ("" = none).</summary>
    public string StagedConfigDigest { get; init; } = "";

    /// <summary>While a TRY-mode config is active: the digest it will revert to ("" otherwise).</summary>
    public string TryPreviousConfigDigest { get; init; } = "";

    /// <summary>True once the cluster was bootstrapped from this node.</summary>
    public bool Bootstrapped { get; init; }

    /// <summary>Cluster name given at bootstrap.</summary>
    public string ClusterName { get; init; } = "";

    /// <summary>Services by name (ordinal order).</summary>
    public ImmutableSortedDictionary<string, ServiceStatus> Services { get; init; } =
        ImmutableSortedDictionary.Create<string, ServiceStatus>(StringComparer.Ordinal);

    /// <summary>META key-value view (upstream MetaWrite/MetaDelete as events).</summary>
    public ImmutableSortedDictionary<uint, ByteString> Meta { get; init; } = ImmutableSortedDictionary<uint, ByteString>.Empty;

    /// <summary>Health checks of the current boot by check name (cleared by each BootAttempted).</summary>
    public ImmutableSortedDictionary<string, HealthCheck> Health { get; init; } =
        ImmutableSortedDictionary.Create<string, HealthCheck>(StringComparer.Ordinal);

    /// <summary>History counters.</summary>
    public Counters Counters { get; init; } = Counters.Zero;

    /// <summary>Description of the last failure ("" = none).</summary>
    public string LastError { get; init; } = "";

    /// <summary>up_to_sequence of the last Checkpoint.</summary>
    public ulong LastCheckpoint { get; init; }

    /// <summary>Highest sequence acknowledged by the fleet store mirror.</summary>
    public ulong MirroredUpTo { get; init; }

    /// <summary>The most recent anomalies, oldest first (at most <see cref="MaxAnomalies"/>).</summary>
    public ImmutableList<Anomaly> Anomalies { get; init; } = ImmutableList<Anomaly>.Empty;

    /// <summary>Number of anomalies ever recorded.</summary>
    public ulong AnomalyCount { get; init; }

    /// <summary>GUID of the disk laid out by install ("" = none).</summary>
    public string DiskGuid { get; init; } = "";

    /// <summary>Members in this node's etcd data after its last EtcdMembershipChanged; 0 when it holds none (issue 12).</summary>
    public uint EtcdMembers { get; init; }

    /// <summary>Names of the failed health checks of the current boot, sorted (RolledBack evidence).</summary>
    public IReadOnlyList<string> FailedChecks => [.. Health.Values.Where(h => !h.Passed).Select(h => h.Check)];

    /// <summary>The state of <paramref name="slot"/> (Empty for Unspecified).</summary>
    public SlotState SlotOf(Slot slot) => slot switch
    {
        Slot.A => SlotA,
        Slot.B => SlotB,
        _ => SlotState.Empty,
    };

    /// <summary>Returns a copy with <paramref name="slot"/> replaced (Unspecified is ignored).</summary>
    public NodeState WithSlot(Slot slot, SlotState value) => slot switch
    {
        Slot.A => this with { SlotA = value },
        Slot.B => this with { SlotB = value },
        _ => this,
    };

    /// <summary>The canonical serialisation (also the snapshot bytes); see specs/formats/node-state.md.</summary>
    public byte[] CanonicalBytes() => StateSnapshotMapper.ToMessage(this).ToByteArray();

    /// <summary>Lower-case hex SHA-256 of <see cref="CanonicalBytes"/>.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes()));

    /// <summary>Snapshot for a META checkpoint; identical to <see cref="CanonicalBytes"/>.</summary>
    public byte[] ToSnapshot() => CanonicalBytes();

    /// <summary>Restores a snapshot; the result has the same <see cref="Hash"/> as the state that wrote it.</summary>
    /// <exception cref="Errors.SnapshotDecodeException">The bytes are not a canonical snapshot.</exception>
    public static NodeState FromSnapshot(ReadOnlySpan<byte> bytes) => StateSnapshotMapper.FromBytes(bytes);

    /// <summary>Equality of canonical states.</summary>
    public bool Equals(NodeState? other) =>
        other is not null && (ReferenceEquals(this, other) || CanonicalBytes().AsSpan().SequenceEqual(other.CanonicalBytes()));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(CanonicalBytes());
        return h.ToHashCode();
    }

    /// <summary>Folds a sequence of events from <see cref="Initial"/>.</summary>
    public static NodeState Replay(IEnumerable<NodeEvent> events) => Replay(Initial, events);

    /// <summary>Folds a sequence of events from <paramref name="start"/> (e.g. a restored checkpoint).</summary>
    public static NodeState Replay(NodeState start, IEnumerable<NodeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(events);
        var s = start;
        foreach (var e in events)
            s = Apply(s, e);
        return s;
    }

    internal NodeState WithAnomaly(ulong sequence, string message)
    {
        var list = Anomalies.Add(new Anomaly(sequence, message));
        if (list.Count > MaxAnomalies)
            list = list.RemoveAt(0);
        return this with { Anomalies = list, AnomalyCount = AnomalyCount + 1 };
    }
}
