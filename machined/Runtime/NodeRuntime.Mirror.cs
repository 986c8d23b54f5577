using Marten;
using Talos.Machined.Mirror;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    private CancellationTokenSource? _mirrorCts;
    private DocumentStore? _mirrorStore;

    /// <summary>The fleet mirror's last pass (null when the config names no fleet store); its lag is visible through the API.</summary>
    public MirrorResult? MirrorStatus { get; private set; }

    /// <summary>The Marten stream key of this node: the META log's node id.</summary>
    public string? NodeId => _meta?.NodeId.ToString();

    /// <summary>
    /// Starts shipping META to the fleet store named by the config's <c>audit</c> section (issue #10). The node never
    /// waits for the store: the mirror runs in the background, retries with backoff, and catches up after an outage.
    /// </summary>
    internal void StartMirrorIfConfigured()
    {
        var audit = Config?.Audit;
        if (audit is null || audit.ConnectionString.Length == 0 || _meta is null || _mirrorCts is not null) return;
        var cts = new CancellationTokenSource();
        _mirrorCts = cts;
        var store = AuditStore.Create(audit.ConnectionString, audit.EffectiveSchema);   // mirror + fleet projections
        _mirrorStore = store;
        var mirror = new FleetMirror(store, new MetaLogMirrorSource(_meta, _meta.NodeId.ToString()));
        _ = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                try
                {
                    await mirror.RunAsync(_o.Time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), r => MirrorStatus = r, cts.Token);
                }
                catch (Exception e) when (!cts.IsCancellationRequested)
                {
                    // Schema creation races between nodes and other non-transient store errors: report, wait, go on.
                    MirrorStatus = new MirrorResult(0, MirrorStatus?.StoreVersion ?? 0, (long)(_meta?.LastSequence ?? 0), 0, e.GetBaseException().Message);
                    try { await Task.Delay(TimeSpan.FromSeconds(2), _o.Time, cts.Token); } catch (OperationCanceledException) { return; }
                }
            }
        });
    }

    private void StopMirror()
    {
        _mirrorCts?.Cancel();
        _mirrorCts?.Dispose();
        _mirrorCts = null;
        _mirrorStore?.Dispose();
        _mirrorStore = null;
    }
}
