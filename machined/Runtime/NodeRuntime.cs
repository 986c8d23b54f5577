using Talos.Core.Config;
using Talos.Core.State;
using Talos.Machined.Services;
using Talos.Partitions.Meta;
using Talos.Partitions.State;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Locking;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

/// <summary>
/// One node: the boot loop, the sequences, the services and the health gate over a real disk. The daemon hosts it
/// behind the API; simulations run it in-process on a power-loss simulator with a virtual clock. The node's state is
/// the fold of its META log (<see cref="Journal"/>); everything else here is volatile and rebuilt at power-on.
/// </summary>
public sealed partial class NodeRuntime : IAsyncDisposable
{
    private readonly NodeRuntimeOptions _o;
    private readonly SemaphoreSlim _powerGate = new(1, 1);
    private readonly SequenceRunner _runner;
    private TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StateStore? _stateStore;
    private MetaLog? _meta;
    private volatile NodeStage _stage = NodeStage.Unknown;

    /// <summary>Creates a node over <see cref="NodeRuntimeOptions.Disk"/>; nothing runs until <see cref="PowerOnAsync"/>.</summary>
    public NodeRuntime(NodeRuntimeOptions options)
    {
        _o = options;
        Disk = new NodeDisk(options.Disk, options.DiskName, options.MetaSizeMiB, options.MetaCheckpointEveryRecords);
        Journal = new NodeJournal(options.Time);
        Kernel = new KernelLog(options.Time);
        Tasks = new NodeTasks(this);
        _runner = new SequenceRunner(Tasks, new NodeEventJournal(Journal, options.Time), options.Time, m => Log("sequencer: " + m));
        Controller = new SequenceController(_runner, options.Ids, options.Time, () => Facts);
    }

    /// <summary>The system disk.</summary>
    public NodeDisk Disk { get; }

    /// <summary>The node's history and its fold.</summary>
    public NodeJournal Journal { get; }

    /// <summary>The folded state (shortcut for <c>Journal.State</c>).</summary>
    public NodeState State => Journal.State;

    /// <summary>The kernel ring (dmesg).</summary>
    public KernelLog Kernel { get; }

    /// <summary>The task implementations the sequences run.</summary>
    internal NodeTasks Tasks { get; }

    /// <summary>One sequence at a time, with upstream's pre-emption table.</summary>
    public SequenceController Controller { get; }

    /// <summary>The machine stage.</summary>
    public NodeStage Stage => _stage;

    /// <summary>The active machine config (null in maintenance mode).</summary>
    public MachineConfig? Config { get; private set; }

    /// <summary>The raw bytes of the active config as applied.</summary>
    public byte[]? ConfigBytes { get; private set; }

    /// <summary>The running services (null before services start).</summary>
    public ServiceSupervisor? Services { get; private set; }

    /// <summary>The slot the node booted from, with its image's service profile and version (null when not booted).</summary>
    public BootedImage? Booted { get; private set; }

    /// <summary>The node's address.</summary>
    public string Address => _o.Address;

    /// <summary>Options in force.</summary>
    public NodeRuntimeOptions Options => _o;

    /// <summary>Raised when the node powers off (shutdown, or reset without reboot): the daemon exits.</summary>
    public event Action? PoweredOff;

    /// <summary>Raised when the stage changes.</summary>
    public event Action<NodeStage>? StageChanged;

    /// <summary>Raised after a config is applied (the daemon switches the API to mutual TLS with the config's PKI).</summary>
    public event Action<MachineConfig>? ConfigActivated;

    /// <summary>Raised when the node enters maintenance mode without a config (after a reset wiped STATE): the API goes back to maintenance.</summary>
    public event Action? ConfigDeactivated;

    internal INodeFacts Facts => new StaticNodeFacts(Installed: State.Installed);

    /// <summary>
    /// Powers the node on: everything in memory is rebuilt from the disk alone (after <c>kill -9</c> this is the
    /// power-loss recovery). Returns when the node is Running, in Maintenance, or halted.
    /// </summary>
    public async Task PowerOnAsync(CancellationToken ct = default)
    {
        await _powerGate.WaitAsync(ct);
        try
        {
            Journal.Reset();
            _settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Kernel.Kern("Linux version 6.12.0-talos (simulated kernel: Talos.NET runs machined in user space)");
            await BootLoopAsync(ct);
        }
        finally { _powerGate.Release(); }
    }

    /// <summary>Completes when the node has settled (Running, Maintenance or off) after the current boot.</summary>
    public Task WaitSettledAsync(CancellationToken ct = default) => _settled.Task.WaitAsync(ct);

    /// <summary>Stops services and closes the disk's stores, as a clean power-off does. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        StopVolatile();
        SetStage(NodeStage.Unknown);
    }

    internal void SetStage(NodeStage stage)
    {
        if (_stage == stage) return;
        _stage = stage;
        Log($"stage {stage}");
        StageChanged?.Invoke(stage);
        if (stage == NodeStage.Running) StartMirrorIfConfigured();
        if (stage == NodeStage.Maintenance && Config is null) ConfigDeactivated?.Invoke();
        if (stage is NodeStage.Running or NodeStage.Maintenance or NodeStage.Unknown) _settled.TrySetResult();
    }

    internal void Log(string message) => _o.Log?.Invoke(message);

    internal void ActivateConfig(MachineConfig config, byte[] bytes)
    {
        Config = config;
        ConfigBytes = bytes;
        ConfigBindingProblem = null;
        ApplyMirrorGuard();
        if (_stage == NodeStage.Running) StartMirrorIfConfigured();   // a store named while running starts shipping now
        ConfigActivated?.Invoke(config);
    }

    internal StateStore StateStore => _stateStore ??= Disk.OpenState();

    internal void StopVolatile()
    {
        StopMirror();
        Services?.StopAll();
        Services = null;
        Booted = null;
        Config = null;
        ConfigBytes = null;
        Journal.Detach();
        _meta?.Dispose();
        _meta = null;
        _stateStore?.Dispose();
        _stateStore = null;
    }

    internal void RaisePoweredOff() => PoweredOff?.Invoke();
}

/// <summary>The image the node booted: slot, version, profile and measured digest.</summary>
public sealed record BootedImage(Talos.Api.Events.Slot Slot, string Version, string Profile, string Digest, string ImageRef, bool Trial);

public sealed partial class NodeRuntime
{
    internal void AttachServices(ServiceSupervisor services) => Services = services;
}
