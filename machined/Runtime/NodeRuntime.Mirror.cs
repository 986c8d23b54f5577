using Marten;
using Talos.Machined.Mirror;
using Talos.Partitions.Audit;
using Talos.Partitions.Meta;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    private CancellationTokenSource? _mirrorCts;
    private DocumentStore? _mirrorStore;
    private readonly object _headLock = new();
    private NodeHeadKeeper? _heads;

    /// <summary>The fleet mirror's last pass (null when the config names no fleet store); its lag is visible through the API.</summary>
    public MirrorResult? MirrorStatus { get; private set; }

    /// <summary>The Marten stream key of this node: the META log's node id.</summary>
    public string? NodeId => _meta?.NodeId.ToString();

    /// <summary>The open META log (tests force checkpoints through it).</summary>
    internal MetaLog? Meta => _meta;

    /// <summary>The node's head signing key (null before the first boot that reached Running).</summary>
    internal HeadSigner? NodeSigner { get; private set; }

    /// <summary>
    /// Starts shipping META to the fleet store named by the config's <c>audit</c> section (issue #10). The node never
    /// waits for the store: the mirror runs in the background, retries with backoff, and catches up after an outage.
    /// The key is registered before the first append.
    /// </summary>
    internal void StartMirrorIfConfigured()
    {
        // The node key is loaded (or created) when a boot reaches Running (EstablishIdentityAsync, issue #22); a node
        // whose identity or history does not verify ships nothing.
        var audit = Config?.Audit;
        if (audit is null || audit.ConnectionString.Length == 0 || _meta is null || _mirrorCts is not null || NodeSigner is null || IdentityProblem is not null) return;
        var cts = new CancellationTokenSource();
        _mirrorCts = cts;
        var store = AuditStore.Create(audit.ConnectionString, audit.EffectiveSchema);   // mirror + fleet projections
        _mirrorStore = store;
        var meta = _meta;
        var mirror = new FleetMirror(store, new MetaLogMirrorSource(meta, meta.NodeId.ToString()));
        var keeper = HeadKeeper();
        var heads = new SignedHeadShipper(store, meta.NodeId, NodeSigner, s => HashAt(meta, s), h => keeper?.Keep(h), () => keeper?.Latest,
            () => keeper is { Refusal: null });
        _ = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                try
                {
                    await heads.RegisterAsync(cts.Token);
                    await mirror.RunAsync(_o.Time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), r => MirrorStatus = r, cts.Token,
                        async (r, ct) => r.Error is null && await heads.AfterPassAsync(r.StoreVersion, ct) is [var p, ..]
                            ? r with { Error = $"signed head refused: {p.Kind}: {p.Detail}" } : r);
                }
                catch (Exception e) when (!cts.IsCancellationRequested)
                {
                    // A refused key, schema creation races between nodes and other non-transient store errors:
                    // report, wait, go on (the node never stops for the store).
                    MirrorStatus = new MirrorResult(0, MirrorStatus?.StoreVersion ?? 0, (long)(_meta?.LastSequence ?? 0), 0, e.GetBaseException().Message);
                    try { await Task.Delay(TimeSpan.FromSeconds(2), _o.Time, cts.Token); } catch (OperationCanceledException) { return; }
                }
            }
        });
    }

    /// <summary>
    /// META keeps unacknowledged records through compaction only while the active config names a fleet store: with
    /// none, nothing will ever acknowledge them and the log would fill up (issue #10). Until a config is active the
    /// guard stays on (the config read at boot may name a store).
    /// </summary>
    private void ApplyMirrorGuard()
    {
        if (_meta is { } meta && Config is { } config) meta.AwaitsMirror = _o.ExternalMirror || config.Audit is { ConnectionString.Length: > 0 };
    }

    // The record's hash while META holds it, or the checkpoint's hash when the record is the one the checkpoint folded last.
    private static byte[]? HashAt(MetaLog meta, ulong sequence)
    {
        try
        {
            foreach (var r in meta.ReadFrom(sequence))
                return r.Sequence == sequence ? r.Hash.ToArray() : null;
        }
        catch (MetaLogCompactedException) { }
        var cp = meta.Checkpoint;
        return cp.CheckpointSequence == sequence && sequence > 0 ? cp.CheckpointHash : null;
    }

    /// <summary>The keeper of the signed head on STATE for the open META log (null before the node key exists).</summary>
    private NodeHeadKeeper? HeadKeeper()
    {
        lock (_headLock)
        {
            if (NodeSigner is not { } signer || _meta is not { } meta) return null;
            if (_heads?.NodeId != meta.NodeId || _heads.Signer != signer)
                _heads = new NodeHeadKeeper(StateStore, signer, meta.NodeId, Log, s => HashAt(meta, s));
            return _heads;
        }
    }

    /// <summary>
    /// META's checkpoint callback (on its committing thread): signs the checkpoint's head and keeps it on STATE, so a
    /// node signs its history with or without a fleet store (the mirror ships the kept head on its next pass).
    /// Before the node key exists (first boot, before Running) checkpoints stay unsigned: the signature lags.
    /// </summary>
    private void SignCheckpoint(CheckpointHeader checkpoint)
    {
        try { HeadKeeper()?.OnCheckpoint(checkpoint); }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or Talos.Core.Errors.TalosException)
        {
            Log($"checkpoint {checkpoint.CheckpointSequence} not signed: {e.Message}");
        }
    }

    private void StopMirror()
    {
        _mirrorCts?.Cancel();
        _mirrorCts?.Dispose();
        _mirrorCts = null;
        _mirrorStore?.Dispose();
        _mirrorStore = null;
        lock (_headLock)
        {
            NodeSigner = null;
            _heads = null;
            IdentityProblem = null;
        }
    }
}
