using System.Net;
using Grpc.Core;
using Talos.Core.Config;
using Talos.Core.Errors;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using Talos.Machined.Services;
using Talos.Sequencer.Locking;

namespace Talos.Machined.Etcd;

/// <summary>
/// The simulated etcd of one control plane, with real data and real membership (issue 12): the state lives on
/// EPHEMERAL (<see cref="EtcdStore"/>), so reset and upgrade without --preserve really lose it; membership spans the
/// control planes through the peer protocol on port 2380 (<see cref="EtcdPeerHost"/>; specs/api.md §etcd peer
/// protocol). Changes are made by the leader, which replicates the whole new state to every member and commits when
/// a majority of the new configuration's voters hold it. Not raft: a voter that cannot reach the leader takes over
/// when a quorum of voters is started (specs/api.md §14 states the rules and their limits).
/// </summary>
public sealed partial class EtcdEngine : IAsyncDisposable
{
    /// <summary>How often a control plane without etcd data tries to join through the cluster endpoint.</summary>
    public static readonly TimeSpan JoinInterval = TimeSpan.FromSeconds(1);

    /// <summary>Bound on one peer call (connect included).</summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(3);

    private readonly NodeRuntime _node;
    private readonly IIdSource _ids;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _hostGate = new();
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private EtcdPeerTls? _tls;
    private EtcdPeerHost? _host;
    private CancellationTokenSource? _loop;
    private ulong? _pendingJoinId;
    private int _joinFailures;

    /// <summary>Creates the engine of <paramref name="node"/>; nothing listens until <see cref="StartPeerAsync"/>.</summary>
    public EtcdEngine(NodeRuntime node, IIdSource? ids = null)
    {
        _node = node;
        _ids = ids ?? new SequentialIdSource("etcd");
    }

    /// <summary>This member's peer URL (its identity in the member list).</summary>
    public string PeerUrl => $"https://{_node.Address}:{EtcdPeerHost.Port}";

    /// <summary>This member's client URL.</summary>
    public string ClientUrl => $"https://{_node.Address}:2379";

    /// <summary>The hostname reported as the member name: the config's, else the node's address.</summary>
    public string Hostname => _node.Config?.Machine?.Network?.Hostname is { Length: > 0 } h ? h : _node.Address;

    /// <summary>True when the peer port is up (the config carries a usable etcd CA).</summary>
    public bool PeerReady => _host is not null;

    /// <summary>The local copy of the etcd data (null: this node holds none — not bootstrapped, not joined, or wiped).</summary>
    public EtcdData? Local() => EtcdStore.Load(_node.Disk);

    /// <summary>This node's entry in <paramref name="data"/>, or null.</summary>
    public EtcdMemberInfo? Self(EtcdData? data) => data?.ByPeerUrl(PeerUrl);

    /// <summary>
    /// Starts (or restarts, when the etcd CA changed) the peer listener and the join loop for <paramref name="config"/>.
    /// Does nothing for workers and for configs without a usable etcd CA (logged).
    /// </summary>
    public async Task StartPeerAsync(MachineConfig config, IPAddress address, PkiContext pki, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Machine?.Type is not ("controlplane" or "init")) return;
        var hostname = config.Machine?.Network?.Hostname is { Length: > 0 } h ? h : address.ToString();
        var tls = EtcdPeerTls.TryCreate(config, address, hostname, pki, out var why);
        if (tls is null) { _node.Log($"etcd: peer port not started: {why}"); return; }
        await _startGate.WaitAsync(ct);   // activations can race (reboot, apply): one listener at a time
        try
        {
            if (_tls?.CaPem == tls.CaPem && _host is not null) return;
            await StopPeerAsync();
            var host = await EtcdPeerHost.StartAsync(address, EtcdPeerHost.Port, tls, this, _node.Options.Time, ct);
            lock (_hostGate)
            {
                _tls = tls;
                _host = host;
                _loop = new CancellationTokenSource();
                _ = JoinLoopAsync(_loop.Token);
            }
        }
        finally { _startGate.Release(); }
        _node.Log($"etcd: peer port listening on {PeerUrl} (mutual TLS, etcd CA)");
    }

    /// <summary>Stops the peer listener and the join loop (config gone, or the server stops).</summary>
    public async Task StopPeerAsync()
    {
        EtcdPeerHost? host;
        lock (_hostGate)
        {
            host = _host;
            _host = null;
            _loop?.Cancel();
            _loop?.Dispose();
            _loop = null;
        }
        if (host is not null) await host.DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopPeerAsync();

    /// <summary>True when etcd runs here: a running control plane whose etcd service is Running.</summary>
    internal bool EtcdRunning =>
        _node.Stage == NodeStage.Running && _node.IsControlPlane && _node.Services?.Find("etcd")?.State == ServiceState.Running;

    private async Task JoinLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(JoinInterval, _node.Options.Time, ct); }
            catch (OperationCanceledException) { return; }
            try { await TryJoinOnceAsync(ct); }
            catch (Exception e) when (e is TalosException or RpcException or HttpRequestException or IOException or OperationCanceledException)
            {
                if (ct.IsCancellationRequested) return;
                // Retries are expected until the first control plane is bootstrapped: log the first and every 30th.
                if (_joinFailures++ % 30 == 0) _node.Log($"etcd: join not possible yet: {e.Message}");
            }
        }
    }

    /// <summary>One join attempt: as a learner through the cluster endpoint's member, then promotion to voter.</summary>
    private async Task TryJoinOnceAsync(CancellationToken ct)
    {
        if (!EtcdRunning || _tls is null) return;
        var local = Local();
        if (Self(local) is { IsLearner: true } learner)
        {
            await PromoteAsync(learner.Id, local!, ct);
            return;
        }
        if (local is not null) return;
        var target = EndpointPeerUrl();
        if (target is null || target == PeerUrl) return;
        var id = NewMemberId();
        _pendingJoinId = id;
        try
        {
            var me = new EtcdMemberInfo(id, Hostname, PeerUrl, ClientUrl, IsLearner: true);
            var reply = await CallAsync(target, (c, o) => c.JoinAsync(new Talos.Api.EtcdPeer.JoinRequest { Member = ToWire(me) }, o), ct);
            var joined = EtcdData.Decode(reply.State.Span);
            await SaveIfNewerAsync(joined, ct);
            _node.Kernel.Talos($"etcd: joined cluster {joined.ClusterId:x} as learner {id:x} through {target}");
            await PromoteAsync(id, joined, ct);
        }
        finally { _pendingJoinId = null; }
    }

    private async Task PromoteAsync(ulong id, EtcdData local, CancellationToken ct)
    {
        var promoted = await ProposeAsync(new Talos.Api.EtcdPeer.ProposeRequest { Promote = id, ClusterId = local.ClusterId }, local, ct);
        await SaveIfNewerAsync(promoted, ct);
        _node.Kernel.Talos($"etcd: member {id:x} promoted to voter (revision {promoted.Revision})");
    }

    /// <summary>The member behind the config's cluster endpoint (<c>https://host:6443</c> → <c>https://host:2380</c>).</summary>
    private string? EndpointPeerUrl() =>
        Uri.TryCreate(_node.Config?.Cluster?.ControlPlane?.Endpoint, UriKind.Absolute, out var u) ? $"https://{u.Host}:{EtcdPeerHost.Port}" : null;

    /// <summary>A member id from the injected id source and the peer URL (FNV-1a 64; never 0, which etcd reserves).</summary>
    private ulong NewMemberId()
    {
        var h = 14695981039346656037UL;
        foreach (var c in _ids.NextId() + "|" + PeerUrl) { h ^= c; h *= 1099511628211UL; }
        return h == 0 ? 1 : h;
    }

    /// <summary>
    /// The one place the local data changes (callers hold <c>_gate</c>): writes <paramref name="data"/> (null deletes it),
    /// then appends the membership changes it makes to the META log (EtcdMembershipChanged, issue 12), so the data and
    /// the log agree before the change is acknowledged to any peer or caller.
    /// </summary>
    private async Task WriteLocalAsync(EtcdData? data, CancellationToken ct, EtcdMembershipDiff.Origin origin = EtcdMembershipDiff.Origin.Replicated)
    {
        var before = Local();
        if (data is null) EtcdStore.Delete(_node.Disk);
        else EtcdStore.Save(_node.Disk, data);
        var changes = EtcdMembershipDiff.Between(before, data, PeerUrl, origin);
        if (changes.Count == 0) return;
        await _node.Journal.AppendAsync(changes.Select(c => Core.Events.NodeEvents.Create(0, _node.Options.Time, "", "", e => e.EtcdMembershipChanged = c)).ToList(), ct);
    }

    private async Task SaveIfNewerAsync(EtcdData data, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var local = Local();
            if (local is null || (local.ClusterId == data.ClusterId && data.Revision > local.Revision)) await WriteLocalAsync(data, ct);
        }
        finally { _gate.Release(); }
    }
}
