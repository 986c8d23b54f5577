namespace Talos.Sequencer.Running;

/// <summary>What the runner did after a run failed (issue 20.1: an operation never leaves a node worse than it found it).</summary>
public enum AfterFailure
{
    /// <summary>Nothing to do: the run stopped nothing, was cancelled (the pre-empting sequence owns the node), or was resumed by crash recovery (the boot that follows starts everything).</summary>
    None,
    /// <summary>The run failed before its point of no return: what it had stopped was started again (SequenceRestored recorded before its SequenceFailed).</summary>
    Restored,
    /// <summary>
    /// The run failed after its point of no return (or its restore failed) while it had stopped services: the node must
    /// reboot, and the boot loader decides from the log exactly as after a power loss at that point.
    /// </summary>
    Reboot,
}

/// <summary>
/// The one mechanism for "a sequence failed before its point of no return: restart what it stopped" (issue 20.1),
/// as data: the tasks that are points of no return, and the task that undoes each stop task. A failed run that never
/// started a point-of-no-return task left nothing durable that matters (a slot written but not marked as the trial,
/// an image verified, pods drained), so undoing its stop tasks puts the node back where it was; the undo tasks are
/// volatile (services, mounts), so a power loss during the restore needs no recovery of its own: the next boot starts
/// everything. A run past its point of no return is finished by a reboot instead (the log decides what boots).
/// <code>
/// failed run                      | started a stop task | past point of no return | after
/// --------------------------------+---------------------+-------------------------+---------------------------
/// cancelled, or resumed at boot   | any                 | any                     | None
/// failed                          | no                  | any                     | None
/// failed                          | yes                 | no                      | Restored (undo tasks, reverse order)
/// failed                          | yes                 | yes                     | Reboot
/// </code>
/// </summary>
public static class FailureRestore
{
    /// <summary>
    /// Tasks whose start makes a failed run impossible to undo by restarting services: a slot marked as the trial,
    /// the boot default reverted, etcd left, a partition wiped or laid out, a config written, a reboot or power-off.
    /// A task counts from its start (its effect may be partial when it fails).
    /// </summary>
    public static readonly IReadOnlySet<string> PointsOfNoReturn = new HashSet<string>(StringComparer.Ordinal)
    {
        "setTrialBoot", "stageUpgradeImage", "revertBootloader", "leaveEtcd", "resetSystemDisk", "resetSystemDiskSpec",
        "resetUserDisks", "partitionDisk", "formatPartitions", "writeBootSlot", "installBootloader", "writeConfig",
        "stageConfig", "tryConfig", "reboot", "shutdown",
    };

    /// <summary>Each stop task and the task that undoes it (several stop tasks share one undo, which runs once).</summary>
    public static readonly IReadOnlyDictionary<string, string> Undo = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["stopDbus"] = "startDbus",
        ["unmountEphemeralPartition"] = "mountEphemeralPartition",
        ["unmountPromotable"] = "mountPromotableSystemPartitions",
        ["denyNewServices"] = "startAllServices",
        ["stopServicesEphemeral"] = "startAllServices",
        ["stopAllServices"] = "startAllServices",
    };

    /// <summary>
    /// The plan for a failed run that started <paramref name="started"/> (in start order): null when nothing was
    /// stopped; otherwise whether it is past its point of no return and, if not, the undo tasks to run (the undo of the
    /// last stop first, each once).
    /// </summary>
    public static RestorePlan? Plan(IReadOnlyList<string> started)
    {
        ArgumentNullException.ThrowIfNull(started);
        if (!started.Any(Undo.ContainsKey)) return null;
        if (started.Any(PointsOfNoReturn.Contains)) return new RestorePlan(true, []);
        var undo = started.Reverse().Where(Undo.ContainsKey).Select(t => Undo[t]).Distinct(StringComparer.Ordinal)
            .OrderBy(t => t == "startAllServices")   // stable: services start last, after the mounts and D-Bus they use
            .ToList();
        return new RestorePlan(false, undo);
    }
}

/// <summary>What <see cref="FailureRestore.Plan"/> decided.</summary>
/// <param name="PastPointOfNoReturn">The run started a point-of-no-return task: reboot instead of restoring.</param>
/// <param name="UndoTasks">Catalogue tasks to run, in order, to restart what the run stopped.</param>
public sealed record RestorePlan(bool PastPointOfNoReturn, IReadOnlyList<string> UndoTasks);
