using System.Text;
using Talos.Api.EtcdPeer;
using Talos.Machined.Api;

namespace Talos.Machined.Etcd;

public sealed partial class EtcdEngine
{
    /// <summary>
    /// Creates the cluster with this node as its only member and leader, or (with <paramref name="recover"/>) restores it
    /// from the snapshot uploaded with <see cref="StoreRecoverySnapshotAsync"/>: keys, revision and cluster id come from
    /// the snapshot, the membership is this node alone (as <c>etcdutl snapshot restore</c> does). Refused when this
    /// node already holds etcd data; a bad snapshot is refused before anything is written.
    /// </summary>
    public async Task<EtcdData> BootstrapAsync(bool recover, bool skipHashCheck, string clusterName, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (Local() is not null) throw new AlreadyBootstrappedException(clusterName);
            var id = NewMemberId();
            var self = new EtcdMemberInfo(id, Hostname, PeerUrl, ClientUrl, IsLearner: false);
            EtcdData data;
            if (recover)
            {
                var raw = EtcdStore.LoadRecover(_node.Disk)
                          ?? throw new InvalidApiRequestException("recover_etcd", "no snapshot was uploaded: upload one with EtcdRecover first (talosctl bootstrap --recover-from <file>)");
                var snap = EtcdSnapshotFile.Read(raw, skipHashCheck);
                var keys = snap.Keys.Where(k => !k.Key.StartsWith("/talos/members/", StringComparison.Ordinal)).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
                keys[MemberKey(id)] = Encoding.UTF8.GetBytes(Hostname);
                data = new EtcdData(snap.ClusterId, snap.Revision + 1, id, snap.Term + 1, [self], keys);
            }
            else
            {
                var clusterId = NewMemberId();
                data = new EtcdData(clusterId, 1, id, 1, [self], new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
                {
                    [ClusterIdKey] = Encoding.UTF8.GetBytes(clusterId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)),
                    ["/talos/bootstrap"] = Encoding.UTF8.GetBytes($"{Hostname} {clusterName}"),
                    [MemberKey(id)] = Encoding.UTF8.GetBytes(Hostname),
                });
            }
            await WriteLocalAsync(data, ct, recover ? EtcdMembershipDiff.Origin.Recover : EtcdMembershipDiff.Origin.Bootstrap);
            if (recover) EtcdStore.SaveRecover(_node.Disk, null);
            _node.Kernel.Talos($"etcd: {(recover ? "recovered" : "bootstrapped")} cluster {data.ClusterId:x} at revision {data.Revision}; member {id:x} ({Hostname})");
            return data;
        }
        finally { _gate.Release(); }
    }

    /// <summary>Keeps an uploaded snapshot for Bootstrap{recover_etcd}; refused when this node already holds etcd data.</summary>
    public async Task StoreRecoverySnapshotAsync(byte[] snapshot, string clusterName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Length < EtcdData.HeaderSize) throw new InvalidEtcdSnapshotException($"{snapshot.Length} bytes is too short to be a snapshot");
        await _gate.WaitAsync(ct);
        try
        {
            if (Local() is not null) throw new AlreadyBootstrappedException(clusterName);
            EtcdStore.SaveRecover(_node.Disk, snapshot);
        }
        finally { _gate.Release(); }
    }

    /// <summary>A consistent snapshot (read under the engine's lock) with its SHA-256 trailer.</summary>
    public async Task<byte[]> SnapshotAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try { return EtcdSnapshotFile.Create(Local() ?? throw new EtcdNotMemberException("etcd snapshot")); }
        finally { _gate.Release(); }
    }

    /// <summary>Removes member <paramref name="id"/> (through the leader); etcd's reconfiguration check applies.</summary>
    public async Task<EtcdData> RemoveMemberAsync(ulong id, CancellationToken ct)
    {
        var local = RequireMember("etcd remove-member");
        if (local.ById(id) is null) throw new EtcdMemberNotFoundException(id);
        return await ProposeAsync(new ProposeRequest { Remove = id, ClusterId = local.ClusterId }, local, ct);
    }

    /// <summary>This member leaves the cluster (handing leadership over first when it leads), then stops etcd.</summary>
    public async Task LeaveAsync(CancellationToken ct)
    {
        var local = RequireMember("etcd leave");
        var self = Self(local)!;
        // The last member has nobody to hand the data to: leaving dissolves the cluster (its data is deleted).
        if (local.Members.Count == 1) await DeleteLocalAsync(ct);
        else await ProposeAsync(new ProposeRequest { Remove = self.Id, ClusterId = local.ClusterId }, local, ct);
        if (Local() is not null) await DeleteLocalAsync(ct);   // the leader's replicate normally did this already
        _node.Services?.Stop("etcd");
        _node.Kernel.Talos($"etcd: member {self.Id:x} ({self.Name}) left cluster {local.ClusterId:x}; etcd stopped");
    }

    /// <summary>Moves leadership away from this member when it leads; returns the new leader's name, or "" when it did not lead.</summary>
    public async Task<string> ForfeitLeadershipAsync(CancellationToken ct)
    {
        var local = RequireMember("etcd forfeit-leadership");
        var self = Self(local)!;
        if (local.LeaderId != self.Id) return "";
        var next = await HandleProposeAsync(new ProposeRequest { ForfeitFrom = self.Id, ClusterId = local.ClusterId }, ct);
        return next.LeaderId == self.Id ? "" : next.ById(next.LeaderId)?.Name ?? "";
    }

    private async Task DeleteLocalAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try { await WriteLocalAsync(null, ct); }
        finally { _gate.Release(); }
    }

    /// <summary>The local data when this node is a member, else <see cref="EtcdNotMemberException"/>.</summary>
    private EtcdData RequireMember(string operation)
    {
        var local = Local();
        return Self(local) is null ? throw new EtcdNotMemberException(operation) : local!;
    }

    private async Task<EtcdData> RemoveAsLeaderAsync(ulong id, CancellationToken ct)
    {
        var local = Local()!;
        var target = local.ById(id) ?? throw new EtcdMemberNotFoundException(id);
        var leader = local.LeaderId;
        if (id == leader) leader = (await HealthyVotersAsync(local, ct)).FirstOrDefault(v => v.Id != id)?.Id
                                   ?? throw new EtcdUnavailableException("the leader cannot leave: no other healthy voter can take over");
        return await CommitAsync(d =>
        {
            if (d.ById(id) is null) return null;
            var keys = d.Keys.Where(k => k.Key != MemberKey(id)).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
            return d.Next(d.Members.Where(m => m.Id != target.Id), keys, leader);
        }, ct);
    }

    private async Task<EtcdData> ForfeitAsLeaderAsync(ulong from, CancellationToken ct)
    {
        var local = Local()!;
        // A sole voter has nobody to hand leadership to: nothing moves (and nothing fails), as upstream.
        if (local.LeaderId != from || local.Voters.Count == 1) return local;
        var next = (await HealthyVotersAsync(local, ct)).FirstOrDefault(v => v.Id != from)
                   ?? throw new EtcdUnavailableException("no other healthy voter to hand leadership to");
        var committed = await CommitAsync(d => d.LeaderId == from ? d.Next(leader: next.Id) : null, ct);
        _node.Kernel.Talos($"etcd: leadership moved from {from:x} to {next.Id:x} ({next.Name}), term {committed.Term}");
        return committed;
    }

    /// <summary>The voters of <paramref name="data"/> that answer a status read for the same cluster (this member if etcd runs), by id.</summary>
    internal async Task<IReadOnlyList<EtcdMemberInfo>> HealthyVotersAsync(EtcdData data, CancellationToken ct)
    {
        var checks = await Task.WhenAll(data.Voters.Select(async v =>
        {
            if (v.PeerUrl == PeerUrl) return (v, EtcdRunning);
            try { return (v, (await CallAsync(v.PeerUrl, (c, o) => c.StatusAsync(new StatusRequest(), o), ct)).ClusterId == data.ClusterId); }
            catch (EtcdPeerRejectedException) { return (v, false); }
        }));
        return checks.Where(c => c.Item2).Select(c => c.v).OrderBy(v => v.Id).ToList();
    }
}
