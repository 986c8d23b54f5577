using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Sequencer.Locking;
using Talos.Upgrade.Images;

namespace Talos.Machined.Runtime;

/// <summary>Everything a node runtime needs from outside; every source of non-determinism is injected here.</summary>
public sealed class NodeRuntimeOptions
{
    /// <summary>The system disk (a file device for daemons, a power-loss simulator for simulations).</summary>
    public required IBlockDevice Disk { get; init; }

    /// <summary>Display name of the disk (image path).</summary>
    public string DiskName { get; init; } = "disk";

    /// <summary>The node's address (its name in the API's metadata and the default hostname).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Clock: the system clock in daemons, a virtual one in simulations.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Operation (actor) and sequence ids.</summary>
    public IIdSource Ids { get; init; } = new SequentialIdSource("op");

    /// <summary>Seeds of etcd member and cluster ids (null: deterministic <c>etcd-N</c>; the daemon injects random ones).</summary>
    public IIdSource? EtcdIds { get; init; }

    /// <summary>GUIDs for the partition table and the node id.</summary>
    public IGuidSource Guids { get; init; } = new RandomGuidSource();

    /// <summary>Entropy for the node's Ed25519 signing key, drawn once on the first boot (issue #10); tests pass a seeded fill.</summary>
    public Action<Span<byte>> KeyEntropy { get; init; } = System.Security.Cryptography.RandomNumberGenerator.Fill;

    /// <summary>
    /// The machine's 32-byte secret that seals the node key on STATE (issue #22; a TPM's role): held by the machine,
    /// never by its disk, so a copy of the disk cannot re-sign a rewritten history. The daemon keeps it in a file next
    /// to the disk image (<c>--sealing-secret</c>). Null: the key is stored unsealed (version 1) and a console line says so.
    /// </summary>
    public byte[]? KeySealingSecret { get; init; }

    /// <summary>The local image store (the default image source of a local cluster).</summary>
    public required LocalLayoutStore Images { get; init; }

    /// <summary>HTTP client for registries (null: only the local store is used).</summary>
    public HttpClient? Http { get; init; }

    /// <summary>
    /// Overrides the health deadline of the machine config (simulations use a short virtual one; null = config,
    /// default 5 minutes).
    /// </summary>
    public TimeSpan? HealthDeadline { get; init; }

    /// <summary>
    /// Fault injection for simulations (issue #11, slow health checks): called with each boot's service supervisor
    /// before its units start. Null in the daemon, where nothing changes.
    /// </summary>
    public Action<Services.ServiceSupervisor>? ServicesCreated { get; init; }

    /// <summary>
    /// A mirror outside this runtime reads the node's META log and acknowledges what a fleet store holds (the
    /// simulation's fleet, issue #11): META then keeps unacknowledged records through compaction as with a configured
    /// store (<c>MetaLog.AwaitsMirror</c>). False in the daemon, where only the machine config's audit store counts.
    /// </summary>
    public bool ExternalMirror { get; init; }

    /// <summary>
    /// Fault injection for tests (issue 20.1): called before each sequence task runs; an exception it returns is thrown
    /// in the task's place, as a failing task would. Null in the daemon and the simulation, where nothing changes.
    /// </summary>
    public Func<Sequencer.Running.TaskContext, Exception?>? TaskFault { get; init; }

    /// <summary>Log sink for machined's own log lines (stdout in the daemon).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Size of the META partition laid out at install, in MiB (default 4, as specs/layout.md). META holds the event log,
    /// so a larger one keeps a longer history before checkpoints compact it (e.g. the API benchmark's 100,000 events).
    /// </summary>
    public int MetaSizeMiB { get; init; } = 4;

    /// <summary>
    /// META also checkpoints once its region holds this many records (besides the 75 % byte threshold), which bounds
    /// the records every power-on scans and folds. A count checkpoint keeps the newest half, so the events API still
    /// serves at least half this many events: the default 2048 keeps at least 1,024, more than upstream's 1,000-event
    /// ring. 0 turns it off (checkpoints by bytes only). The simulation uses 512 (more compaction crash points per run).
    /// </summary>
    public int MetaCheckpointEveryRecords { get; init; } = NodeDisk.DefaultMetaCheckpointEveryRecords;

    /// <summary>Safety bound on reboots within one power-on before the runtime stops rebooting (halts).</summary>
    public int MaxReboots { get; init; } = 32;
}
