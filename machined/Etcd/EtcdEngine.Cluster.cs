using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.EtcdPeer;

namespace Talos.Machined.Etcd;

public sealed partial class EtcdEngine
{
    /// <summary>The key under which each member's name is recorded (the data a snapshot carries besides the list).</summary>
    public static string MemberKey(ulong id) => $"/talos/members/{id:x16}";

    /// <summary>The key holding the cluster id (written by bootstrap).</summary>
    public const string ClusterIdKey = "/talos/cluster-id";

    /// <summary>Status for the peer protocol (health and quorum reads).</summary>
    internal StatusReply PeerStatus()
    {
        var local = Local();
        var self = Self(local);
        if (local is null || self is null || !EtcdRunning) throw new EtcdNotMemberException("etcd status");
        return new StatusReply { MemberId = self.Id, ClusterId = local.ClusterId, Revision = local.Revision, LeaderId = local.LeaderId, IsLearner = self.IsLearner };
    }

    /// <summary>A join arriving at this member: forwarded to the leader, which adds the caller as a learner.</summary>
    internal async Task<EtcdData> HandleJoinAsync(EtcdMemberInfo joiner, CancellationToken ct)
    {
        var local = Local() ?? throw new EtcdNotMemberException("etcd join");
        if (local.LeaderId != Self(local)?.Id)
            return await ForwardToLeaderAsync(local, (c, o) => c.JoinAsync(new JoinRequest { Member = ToWire(joiner) }, o), ct);
        return await CommitAsync(d =>
        {
            if (d.ById(joiner.Id) is { } same && same.PeerUrl == joiner.PeerUrl) return null;   // a retried join: nothing to change
            // A node reset without leaving comes back with the same peer URL: its stale entry is replaced (Talos does the same).
            var stale = d.Members.Where(m => m.PeerUrl == joiner.PeerUrl || m.Id == joiner.Id).ToList();
            var keys = new SortedDictionary<string, byte[]>(d.Keys.ToDictionary(k => k.Key, k => k.Value), StringComparer.Ordinal);
            foreach (var s in stale) keys.Remove(MemberKey(s.Id));
            keys[MemberKey(joiner.Id)] = System.Text.Encoding.UTF8.GetBytes(joiner.Name);
            return d.Next(d.Members.Except(stale).Append(joiner with { IsLearner = true }), keys);
        }, ct);
    }

    /// <summary>A proposal arriving at this member: forwarded to the leader, which applies it.</summary>
    internal async Task<EtcdData> HandleProposeAsync(ProposeRequest request, CancellationToken ct)
    {
        var local = Local() ?? throw new EtcdNotMemberException("etcd proposal");
        if (request.ClusterId != 0 && request.ClusterId != local.ClusterId)
            throw new EtcdNotMemberException($"etcd proposal for cluster {request.ClusterId:x} (this member is in {local.ClusterId:x})");
        if (local.LeaderId != Self(local)?.Id)
            return await ForwardToLeaderAsync(local, (c, o) => c.ProposeAsync(request, o), ct);
        return request.ChangeCase switch
        {
            ProposeRequest.ChangeOneofCase.Promote => await CommitAsync(d => d.ById(request.Promote) switch
            {
                null => throw new EtcdMemberNotFoundException(request.Promote),
                { IsLearner: false } => null,
                var m => d.Next(d.Members.Select(x => x.Id == m.Id ? x with { IsLearner = false } : x)),
            }, ct),
            ProposeRequest.ChangeOneofCase.Remove => await RemoveAsLeaderAsync(request.Remove, ct),
            ProposeRequest.ChangeOneofCase.ForfeitFrom => await ForfeitAsLeaderAsync(request.ForfeitFrom, ct),
            _ => throw new Talos.Machined.Api.InvalidApiRequestException("change", "the proposal names no change"),
        };
    }

    /// <summary>
    /// The leader's new state arriving here. Accepted when it is newer than ours for the same cluster, or (no data
    /// yet) when it lists the member id this node is joining with. A state that no longer lists this member means it
    /// was removed: the local data is deleted, as a removed etcd member shuts down.
    /// </summary>
    internal async Task<ReplicateReply> HandleReplicateAsync(byte[] state, CancellationToken ct)
    {
        var incoming = EtcdData.Decode(state);
        if (_node.Stage != Runtime.NodeStage.Running) return new ReplicateReply { Accepted = false };
        await _gate.WaitAsync(ct);
        try
        {
            var local = Local();
            var me = Self(incoming);
            if (local is null)
            {
                var accept = me is not null && me.Id == _pendingJoinId;
                if (accept) await WriteLocalAsync(incoming, ct);
                return new ReplicateReply { Accepted = accept, Revision = accept ? incoming.Revision : 0 };
            }
            if (local.ClusterId != incoming.ClusterId || incoming.Revision < local.Revision)
                return new ReplicateReply { Accepted = false, Revision = local.Revision };
            if (me is null)
            {
                await WriteLocalAsync(null, ct);
                _node.Kernel.Talos($"etcd: this member was removed from cluster {incoming.ClusterId:x} (revision {incoming.Revision}); local data deleted");
                return new ReplicateReply { Accepted = true, Revision = incoming.Revision };
            }
            if (incoming.Revision == local.Revision)
            {
                // Same revision: a retry of what we hold (accepted) or a competing leader's change (refused).
                var same = incoming.Encode().AsSpan().SequenceEqual(local.Encode());
                return new ReplicateReply { Accepted = same, Revision = local.Revision };
            }
            await WriteLocalAsync(incoming, ct);
            return new ReplicateReply { Accepted = true, Revision = incoming.Revision };
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// Leader only: applies <paramref name="change"/> (null = nothing to do) to the local state, sends the result to every
    /// member of the old and the new configuration, and commits it locally when a majority of the new configuration's
    /// voters (this member included if it is one) hold it. Otherwise nothing is committed here.
    /// </summary>
    private async Task<EtcdData> CommitAsync(Func<EtcdData, EtcdData?> change, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var local = Local() ?? throw new EtcdNotMemberException("etcd change");
            var next = change(local);
            if (next is null) return local;
            // etcd's strict reconfiguration check: refuse up front (nothing sent) when the new configuration's
            // started voters would not form a quorum, rather than after some members already hold the change.
            var started = await HealthyVotersAsync(next, ct);
            if (started.Count < next.Voters.Count / 2 + 1)
                throw new EtcdUnavailableException($"re-configuration refused: only {started.Count} of the {next.Voters.Count} voters it would leave are started, {next.Voters.Count / 2 + 1} needed");
            var targets = local.Members.Concat(next.Members).Where(m => m.PeerUrl != PeerUrl).DistinctBy(m => m.PeerUrl).ToList();
            var bytes = Google.Protobuf.ByteString.CopyFrom(next.Encode());
            var acks = await Task.WhenAll(targets.Select(async m =>
            {
                try { return (m, (await CallAsync(m.PeerUrl, (c, o) => c.ReplicateAsync(new ReplicateRequest { State = bytes }, o), ct)).Accepted); }
                catch (EtcdPeerRejectedException) { return (m, false); }
            }));
            var voters = next.Voters;
            var held = voters.Count(v => v.PeerUrl == PeerUrl || acks.Any(a => a.Item2 && a.m.PeerUrl == v.PeerUrl));
            var quorum = voters.Count / 2 + 1;
            if (held < quorum)
                throw new EtcdUnavailableException($"no quorum for revision {next.Revision}: {held} of {voters.Count} voters hold it, {quorum} needed " +
                    $"(unreachable: {string.Join(", ", acks.Where(a => !a.Item2).Select(a => a.m.Name))})");
            await WriteLocalAsync(Self(next) is null ? null : next, ct);
            return next;
        }
        finally { _gate.Release(); }
    }

    private async Task<EtcdData> ForwardToLeaderAsync(EtcdData local, Func<EtcdPeer.EtcdPeerClient, CallOptions, AsyncUnaryCall<StateReply>> call, CancellationToken ct)
    {
        var leader = local.ById(local.LeaderId) ?? throw new EtcdUnavailableException($"the leader {local.LeaderId:x} is not in the member list");
        try
        {
            var reply = await CallAsync(leader.PeerUrl, call, ct);
            return EtcdData.Decode(reply.State.Span);
        }
        catch (EtcdPeerRejectedException e) when (e.Code == Core.Errors.ErrorCode.Unavailable)
        {
            // The leader is unreachable: this voter takes over when a quorum of voters is started, then the call is
            // handled here (through its own peer port).
            var now = await TakeOverIfLostAsync(local, ct) ?? throw new EtcdUnavailableException($"the leader {leader.Name} ({leader.Id:x}) is unreachable and this member may not take over", e);
            var newLeader = now.ById(now.LeaderId)!;
            var reply = await CallAsync(newLeader.PeerUrl, call, ct);
            return EtcdData.Decode(reply.State.Span);
        }
    }

    /// <summary>
    /// Leader replacement (not raft's election): when the leader does not answer and a quorum of voters is started,
    /// this started voter makes itself leader (term + 1) through a normal commit, which needs a quorum of acks; two
    /// concurrent take-overs produce the same revision with different content, which members refuse, so at most one
    /// wins. Returns the committed state, or null when this member may not take over.
    /// </summary>
    private async Task<EtcdData?> TakeOverIfLostAsync(EtcdData local, CancellationToken ct)
    {
        var started = await HealthyVotersAsync(local, ct);
        if (started.Any(v => v.Id == local.LeaderId) || started.Count < local.Voters.Count / 2 + 1) return null;
        var self = Self(local);
        if (self is null || self.IsLearner || started.All(v => v.Id != self.Id)) return null;
        var committed = await CommitAsync(d => d.LeaderId == local.LeaderId ? d.Next(leader: self.Id) : null, ct);
        _node.Kernel.Talos($"etcd: leader {local.LeaderId:x} unreachable; member {self.Id:x} ({self.Name}) took over, term {committed.Term}");
        return committed;
    }

    /// <summary>Sends a proposal to the leader (directly when this member leads).</summary>
    private async Task<EtcdData> ProposeAsync(ProposeRequest request, EtcdData local, CancellationToken ct) =>
        local.LeaderId == Self(local)?.Id
            ? await HandleProposeAsync(request, ct)
            : await ForwardToLeaderAsync(local, (c, o) => c.ProposeAsync(request, o), ct);

    /// <summary>One peer call over mutual TLS with the etcd CA, bounded by <see cref="PeerTimeout"/>.</summary>
    private async Task<T> CallAsync<T>(string peerUrl, Func<EtcdPeer.EtcdPeerClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        var tls = _tls ?? throw new EtcdUnavailableException("the etcd peer port is not configured on this node (cluster.etcd.ca)");
        using var handler = new SocketsHttpHandler { ConnectTimeout = PeerTimeout, SslOptions = tls.ClientOptions() };
        using var channel = GrpcChannel.ForAddress(peerUrl, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
        using var timeout = new CancellationTokenSource(PeerTimeout, _node.Options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try { return await call(new EtcdPeer.EtcdPeerClient(channel), new CallOptions(cancellationToken: linked.Token)); }
        catch (RpcException e) { throw new EtcdPeerRejectedException(peerUrl, e); }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new EtcdPeerRejectedException(peerUrl, new RpcException(new Status(StatusCode.DeadlineExceeded, $"no answer within {PeerTimeout.TotalSeconds} s")));
        }
        catch (HttpRequestException e) { throw new EtcdPeerRejectedException(peerUrl, new RpcException(new Status(StatusCode.Unavailable, e.Message))); }
    }

    internal static Member ToWire(EtcdMemberInfo m) => new()
    {
        Id = m.Id, Name = m.Name, PeerUrls = { m.PeerUrl }, ClientUrls = { m.ClientUrl }, IsLearner = m.IsLearner,
    };

    internal static EtcdMemberInfo FromWire(Member m)
    {
        if (m.Id == 0 || m.PeerUrls.Count != 1 || m.ClientUrls.Count != 1 || m.Name.Length == 0)
            throw new Talos.Machined.Api.InvalidApiRequestException("member", "a joining member needs a non-zero id, a name, one peer URL and one client URL");
        return new EtcdMemberInfo(m.Id, m.Name, m.PeerUrls[0], m.ClientUrls[0], m.IsLearner);
    }
}
