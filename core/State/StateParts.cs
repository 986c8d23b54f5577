using Talos.Api.Events;

namespace Talos.Core.State;

/// <summary>
/// One boot slot in Android's A/B model: <see cref="Priority"/> (0 = unbootable, higher wins),
/// <see cref="TriesLeft"/> (trial attempts remaining) and <see cref="Successful"/> (confirmed healthy).
/// </summary>
/// <param name="Digest">Lower-case hex SHA-256 recorded when the slot was written ("" = empty slot).</param>
/// <param name="Version">Talos version of the image in the slot.</param>
/// <param name="ImageRef">Installer image reference the slot was written from.</param>
/// <param name="Size">Content size in bytes.</param>
/// <param name="Priority">Boot priority; 0 means never boot this slot.</param>
/// <param name="TriesLeft">Trial boots remaining (meaningful only while not <see cref="Successful"/>).</param>
/// <param name="Successful">True once a boot of this content was confirmed healthy.</param>
/// <param name="TriesBudget">Tries given by the last TrialBootSet (for the RolledBack evidence "tries used").</param>
public sealed record SlotState(string Digest, string Version, string ImageRef, ulong Size, uint Priority, uint TriesLeft, bool Successful,
    uint TriesBudget = 0)
{
    /// <summary>An empty, unbootable slot.</summary>
    public static SlotState Empty { get; } = new("", "", "", 0, 0, 0, false);

    /// <summary>True when the slot holds content.</summary>
    public bool HasImage => Digest.Length > 0;

    /// <summary>True when the slot is a pending trial (bootable, not yet confirmed).</summary>
    public bool IsTrial => HasImage && Priority > 0 && !Successful;

    /// <summary>Trial attempts consumed so far.</summary>
    public uint TriesUsed => TriesBudget >= TriesLeft ? TriesBudget - TriesLeft : 0;
}

/// <summary>The sequence that currently holds the node (null in <see cref="NodeState.Running"/> when idle).</summary>
/// <param name="SequenceId">Operation/sequence id (NodeEvent.sequence_id).</param>
/// <param name="Name">Sequence name (boot, install, upgrade, ...).</param>
/// <param name="ActorId">Actor that started it.</param>
/// <param name="Phase">Current phase ("" before the first phase).</param>
/// <param name="OpenTasks">Tasks whose TaskStarted has no completion yet — the open write-ahead steps (tasks of a phase run concurrently).</param>
/// <param name="StartedAt">META sequence number of SequenceStarted.</param>
public sealed record RunningSequence(string SequenceId, string Name, string ActorId, string Phase,
    System.Collections.Immutable.ImmutableSortedSet<string> OpenTasks, ulong StartedAt);

/// <summary>Last known state of a service.</summary>
public sealed record ServiceStatus(string Name, ServiceState State, bool Healthy, string Message);

/// <summary>A health check result of the current boot.</summary>
public sealed record HealthCheck(string Check, bool Passed, string Detail);

/// <summary>An event that did not fit the state; recorded instead of throwing (Apply is total).</summary>
public sealed record Anomaly(ulong Sequence, string Message);

/// <summary>Monotonic counters of the node's history (<c>EtcdChanges</c>: EtcdMembershipChanged events, issue 12).</summary>
public sealed record Counters(ulong Boots, ulong Upgrades, ulong Rollbacks, ulong Resets, ulong ConfigApplies,
    ulong LogRepairs, ulong ForensicMismatches, ulong EtcdChanges = 0)
{
    /// <summary>All zero.</summary>
    public static Counters Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);
}
