using Talos.Sequencer.Model;

namespace Talos.Sequencer.Running;

/// <summary>
/// The executable side of a <see cref="TaskDescriptor"/>, supplied by upper layers through an
/// <see cref="ITaskCatalog"/>. Implementations must not exit the process: reboot and power-off are
/// returned as <see cref="TaskOutcome"/> values and end the run cleanly (STYLE.md §3).
/// </summary>
public interface ITask
{
    /// <summary>Performs the side effect. Throws to fail the phase; honours <paramref name="ct"/>.</summary>
    ValueTask<TaskOutcome> RunAsync(TaskContext context, CancellationToken ct);
}

/// <summary>Maps task names to implementations.</summary>
public interface ITaskCatalog
{
    /// <summary>The implementation of <paramref name="name"/>, or null when none is registered.</summary>
    ITask? Find(string name);
}

/// <summary>How a task ended when it did not throw.</summary>
public enum TaskOutcome
{
    /// <summary>Go on with the sequence.</summary>
    Continue,
    /// <summary>The node must reboot: the run ends cleanly with <see cref="RunResult.Reboot"/>.</summary>
    Reboot,
    /// <summary>The node must power off: the run ends cleanly with <see cref="RunResult.PowerOff"/>.</summary>
    PowerOff,
}

/// <summary>Facts deferred conditions look at when their phase is reached (filled by machined).</summary>
public interface INodeFacts
{
    /// <summary>The system disk holds an installation (GPT + META + a confirmed slot).</summary>
    bool Installed { get; }
    /// <summary>A staged upgrade is recorded and waits for the install sequence.</summary>
    bool StagedUpgradePending { get; }
    /// <summary>Kernel arguments (e.g. <c>talos.experimental.wipe</c>).</summary>
    IReadOnlyDictionary<string, string> KernelArgs { get; }
}

/// <summary>Immutable facts, for tests and simple callers.</summary>
public sealed record StaticNodeFacts(bool Installed = true, bool StagedUpgradePending = false, IReadOnlyDictionary<string, string>? Args = null) : INodeFacts
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> KernelArgs => Args ?? new Dictionary<string, string>();
}

/// <summary>What a running task knows about its place in the run.</summary>
/// <param name="Sequence">The sequence being run.</param>
/// <param name="SequenceId">Id of this run of the sequence (stable across crash recovery).</param>
/// <param name="ActorId">Id of the operation that asked for it (returned to the API caller).</param>
/// <param name="Request">The typed request.</param>
/// <param name="Phase">The current phase name.</param>
/// <param name="Task">The current task name.</param>
/// <param name="Attempt">1 for a first run, n+1 after n crash-recovery re-runs.</param>
/// <param name="Facts">Node facts for deferred conditions and skip decisions.</param>
public sealed record TaskContext(SequenceName Sequence, string SequenceId, string ActorId, Requests.ISequenceRequest Request,
    string Phase, string Task, int Attempt, INodeFacts Facts);

/// <summary>How a run ended.</summary>
public enum RunResult
{
    /// <summary>Every phase ran (or was skipped by its condition).</summary>
    Completed,
    /// <summary>A task asked for a reboot; the caller performs it after teardown.</summary>
    Reboot,
    /// <summary>A task asked for power-off.</summary>
    PowerOff,
    /// <summary>A task failed (FATAL).</summary>
    Failed,
    /// <summary>The run was cancelled between phases (pre-empted).</summary>
    Canceled,
}
