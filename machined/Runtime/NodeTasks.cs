using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

/// <summary>
/// The task catalogue of this node: name → implementation, for every task the sequences name
/// (sequencer/Sequences/TaskDirectory). Tasks that act on things a user-space node does not have (dbus, pod
/// mounts, kexec, KSPP sysctls, the dashboard) are SIMULATED: they write a kernel-ring line saying so and change
/// nothing. Everything that touches the disk is real and lives in the partial files NodeTasks.*.cs.
/// </summary>
internal sealed partial class NodeTasks : ITaskCatalog
{
    private readonly NodeRuntime _node;
    private readonly Dictionary<string, ITask> _tasks = new(StringComparer.Ordinal);

    public NodeTasks(NodeRuntime node)
    {
        _node = node;
        foreach (var name in Simulated) Add(name, (c, _) => { _node.Kernel.Talos($"task {c.Task} (simulated: nothing to do in user space)"); return Ok; });
        foreach (var name in new[] { "startMachined", "startApid", "startContainerd" })
            Add(name, (c, _) => { _node.Kernel.Talos($"task {c.Task}: started with the other services by startAllServices"); return Ok; });
        Add("reboot", (_, _) => ValueTask.FromResult(TaskOutcome.Reboot));
        Add("shutdown", (_, _) => ValueTask.FromResult(TaskOutcome.PowerOff));
        AddServiceTasks();
        AddDiskTasks();
        AddSlotTasks();
        AddConfigTasks();
        AddResetTasks();
    }

    /// <inheritdoc />
    public ITask? Find(string name) => _tasks.GetValueOrDefault(name) is { } t && _node.Options.TaskFault is { } fault ? new FaultedTask(t, fault) : _tasks.GetValueOrDefault(name);

    /// <summary>Every task name this catalogue implements (a test checks it covers the sequence library).</summary>
    public IReadOnlyCollection<string> Names => _tasks.Keys;

    private static readonly string[] Simulated =
    [
        "enforceKsppRequirements", "startDashboard", "memorySizeCheck", "diskSizeCheck", "setUserEnvVars", "startDbus",
        "stopDbus", "stopAllPods", "removeAllPods", "cordonAndDrainNode", "sendResetSignal", "unmountPodMounts",
        "unmountSystemDiskBindMounts", "unmountPromotable", "unmountEphemeralPartition", "kexecPrepare", "forceCleanup",
        "mountUserDisks", "writeUserFiles", "resetUserDisks", "mountPromotableSystemPartitions", "cleanupBootloader",
        "loadConfig", "resetSystemDiskPartitions", "teardownVolumeLifecycle",
    ];

    private static ValueTask<TaskOutcome> Ok => ValueTask.FromResult(TaskOutcome.Continue);

    private void Add(string name, Func<TaskContext, CancellationToken, ValueTask<TaskOutcome>> run) => _tasks[name] = new LambdaTask(run);

    /// <summary>A task behind the options' fault injection (tests): the fault, when it returns one, is thrown in the task's place.</summary>
    private sealed class FaultedTask(ITask inner, Func<TaskContext, Exception?> fault) : ITask
    {
        public ValueTask<TaskOutcome> RunAsync(TaskContext context, CancellationToken ct) =>
            fault(context) is { } e ? ValueTask.FromException<TaskOutcome>(e) : inner.RunAsync(context, ct);
    }

    private sealed class LambdaTask(Func<TaskContext, CancellationToken, ValueTask<TaskOutcome>> run) : ITask
    {
        public ValueTask<TaskOutcome> RunAsync(TaskContext context, CancellationToken ct) => run(context, ct);
    }
}
