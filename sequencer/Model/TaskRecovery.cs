namespace Talos.Sequencer.Model;

/// <summary>
/// What crash recovery does with a task whose <c>TaskStarted</c> is in the journal but whose end is not
/// (ARCHITECTURE.md "write-ahead steps"). Declared per task in its <see cref="TaskDescriptor"/>.
/// </summary>
public abstract record TaskRecovery
{
    private TaskRecovery() { }

    /// <summary>The task is idempotent: run it again, then continue the sequence.</summary>
    public sealed record ReRun : TaskRecovery
    {
        /// <inheritdoc />
        public override string ToString() => "reRun";
    }

    /// <summary>Undo the partial effect with the named compensation task, then abandon the sequence.</summary>
    /// <param name="CompensationTask">Catalog name of the task that undoes the effect (must itself be idempotent).</param>
    public sealed record Compensate(string CompensationTask) : TaskRecovery
    {
        /// <inheritdoc />
        public override string ToString() => $"compensate({CompensationTask})";
    }

    /// <summary>Nothing durable to repair (or nothing safe to do): close the sequence as abandoned.</summary>
    public sealed record Abandon : TaskRecovery
    {
        /// <inheritdoc />
        public override string ToString() => "abandon";
    }

    /// <summary>Shared instance of <see cref="ReRun"/>.</summary>
    public static readonly TaskRecovery Rerun = new ReRun();

    /// <summary>Shared instance of <see cref="Abandon"/>.</summary>
    public static readonly TaskRecovery Drop = new Abandon();

    /// <summary>Creates a <see cref="Compensate"/> policy.</summary>
    public static TaskRecovery CompensateWith(string task) => new Compensate(task);
}
