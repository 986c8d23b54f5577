namespace Talos.Partitions.Meta;

/// <summary>Options of a writable <see cref="MetaLog"/>. Validated by <see cref="Validate"/> when the log opens.</summary>
public sealed class MetaLogOptions
{
    /// <summary>Node id written into the superblocks when the log is created (ignored when it exists). Default: empty.</summary>
    public Guid NodeId { get; init; }

    /// <summary>
    /// Fraction of a region after which the log checkpoints into the other region before the next batch.
    /// Default 0.75: leaves room for the carried-over unmirrored records; lower means more frequent checkpoints.
    /// </summary>
    public double CheckpointThreshold { get; init; } = 0.75;

    /// <summary>
    /// Also checkpoint before a batch once the region holds this many records, provided the checkpoint drops at least
    /// half of them (records still awaited by the fleet store are carried, see <see cref="MetaLog.AwaitsMirror"/>) and
    /// what it carries fits in a quarter of a region; otherwise only <see cref="CheckpointThreshold"/> applies.
    /// Bounds what every open scans and what a node folds at power-on, whatever the region size. Default 0: off
    /// (checkpoints by <see cref="CheckpointThreshold"/> only). The node sets it (NodeRuntimeOptions.MetaCheckpointEveryRecords, default 2048).
    /// </summary>
    public int CheckpointEveryRecords { get; init; }

    /// <summary>
    /// Given a new checkpoint's snapshot, the first sequence whose records the checkpoint must keep in the region
    /// (0: none), whatever has been mirrored. The node keeps the records of a sequence still running at the checkpoint,
    /// so that crash recovery, which reads the log, still finds its start. Default: none.
    /// </summary>
    public Func<byte[], ulong>? RetainFrom { get; init; }

    /// <summary>Largest payload accepted by <see cref="MetaLog.AppendAsync"/>. Default 64 KiB.</summary>
    public int MaxPayload { get; init; } = 64 * 1024;

    /// <summary>
    /// Folds records into a snapshot for a checkpoint: given the previous checkpoint's snapshot (empty at first) and
    /// the records after it, in order, returns the new snapshot bytes. Must be pure. Without it the log never
    /// checkpoints and reports <see cref="MetaLogFullException"/> when a region is full.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, IEnumerable<LogRecord>, byte[]>? SnapshotFolder { get; init; }

    /// <summary>
    /// Builds the event that records a repair (torn tail cut off) so that the repair is part of the history.
    /// Appended right after recovery on a writable open. Default: none (the repair is only in <see cref="MetaLog.Recovery"/>).
    /// </summary>
    public Func<RecoveryReport, LogEntry>? RepairEventFactory { get; init; }

    /// <summary>
    /// When true, a checkpoint that cannot carry all unmirrored records drops the oldest ones and records the dropped
    /// range and hash in the checkpoint. Default false: the append fails with <see cref="MetaLogFullException"/>.
    /// </summary>
    public bool ForceDropUnmirrored { get; init; }

    /// <summary>
    /// Builds the event that records a forced drop of unmirrored records, so that the drop is part of the history
    /// (not only of the checkpoint header). It is written right after the checkpoint, before anything else.
    /// </summary>
    public Func<DropReport, LogEntry>? DropEventFactory { get; init; }

    /// <summary>
    /// Called once per checkpoint after it is durable (region and both superblocks flushed) and after the batch that
    /// caused it (and any RecordsDropped event) is durable, but before that batch's callers are completed: when
    /// <see cref="MetaLog.AppendAsync"/> or <see cref="MetaLog.CheckpointAsync"/> returns, the callback has run. It runs on
    /// the committing thread, so it must be short and must not append to this log (that would wait for itself).
    /// The node signs the checkpoint's head here (issue #10).
    /// Exceptions it throws are swallowed: the checkpoint is already durable and nobody is left to report them to.
    /// </summary>
    public Action<CheckpointHeader>? CheckpointWritten { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value outside its documented range.</summary>
    public void Validate()
    {
        if (CheckpointThreshold is <= 0.1 or > 1.0)
            throw new ArgumentOutOfRangeException(nameof(CheckpointThreshold), CheckpointThreshold, "must be in (0.1, 1.0]");
        if (CheckpointEveryRecords is < 0 or 1)
            throw new ArgumentOutOfRangeException(nameof(CheckpointEveryRecords), CheckpointEveryRecords, "must be 0 (off) or at least 2");
        if (MaxPayload is < 0 or > 16 * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(MaxPayload), MaxPayload, "must be in [0, 16 MiB]");
    }
}
