using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Machined.Etcd;
using Talos.Machined.Tests.Api;
using Change = Talos.Api.Events.EtcdChange;
using Origin = Talos.Machined.Etcd.EtcdMembershipDiff.Origin;

namespace Talos.Machined.Tests.Etcd;

/// <summary>
/// Issue #12: every change of a control plane's etcd membership is a META log event (EtcdMembershipChanged, code 56):
/// the pure diff for each kind of change, and one node behind the real API whose bootstrap, leave and recovery land in
/// its log and its folded state.
/// </summary>
public sealed class EtcdMembershipChangesAreLogged
{
    private const string A = "https://10.0.0.1:2380", B = "https://10.0.0.2:2380", C = "https://10.0.0.3:2380";

    private static EtcdMemberInfo M(ulong id, string url, bool learner = false) => new(id, $"cp{id}", url, url.Replace("2380", "2379", StringComparison.Ordinal), learner);

    private static EtcdData D(ulong revision, ulong leader, params EtcdMemberInfo[] members) =>
        new(0xc1, revision, leader, 1, members, new SortedDictionary<string, byte[]>(StringComparer.Ordinal));

    private static string[] Diff(EtcdData? before, EtcdData? after, string self = A, Origin origin = Origin.Replicated) =>
        EtcdMembershipDiff.Between(before, after, self, origin).Select(c => $"{c.Change} {c.MemberId} {c.Revision} {c.Members}").ToArray();

    [Fact]
    public void Each_kind_of_change_is_named_with_the_member_and_the_state_after_it()
    {
        var one = D(1, 1, M(1, A));
        Assert.Equal(["Bootstrapped 1 1 1"], Diff(null, one, origin: Origin.Bootstrap));
        Assert.Equal(["Recovered 1 1 1"], Diff(null, one, origin: Origin.Recover));
        Assert.Equal(["Joined 2 2 2"], Diff(null, D(2, 1, M(1, A), M(2, B, learner: true)), self: B));
        Assert.Empty(Diff(one, one));
        var two = D(2, 1, M(1, A), M(2, B, learner: true));
        Assert.Equal(["MemberAdded 2 2 2"], Diff(one, two));
        Assert.Equal(["MemberPromoted 2 3 2"], Diff(two, D(3, 1, M(1, A), M(2, B))));
        var three = D(5, 1, M(1, A), M(2, B), M(3, C));
        Assert.Equal(["MemberRemoved 1 6 2", "LeaderChanged 2 6 2"], Diff(three, D(6, 2, M(2, B), M(3, C)), self: C));
        Assert.Equal(["Left 1 0 0"], Diff(three, null));
        // Another cluster's data (a recovery elsewhere that this node joined): the old one left, the new one joined.
        Assert.Equal(["Left 1 0 0", "Joined 1 1 1"], Diff(three, one with { ClusterId = 0xc2 }));
    }

    [Fact]
    public async Task Bootstrap_leave_and_recovery_are_in_the_log_and_the_state()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.103.20", seed: 13);
        await h.InstallAsync();
        using var admin = h.As(Talos.Core.Pki.Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);
        await m.BootstrapAsync(new BootstrapRequest());
        var snapshot = await EtcdSnapshotRecoversAfterReset.Download(m);
        var self = h.Node.Etcd.Self(h.Node.Etcd.Local())!;
        Assert.Equal((1u, 1ul), (h.Node.State.EtcdMembers, h.Node.State.Counters.EtcdChanges));

        // The only member leaving dissolves the cluster; etcd stops, as upstream's leave does.
        await m.EtcdLeaveClusterAsync(new EtcdLeaveClusterRequest());
        Assert.Equal((0u, 2ul), (h.Node.State.EtcdMembers, h.Node.State.Counters.EtcdChanges));
        h.Node.Services!.Start("etcd");
        await EtcdSnapshotRecoversAfterReset.Upload(m, snapshot);
        await m.BootstrapAsync(new BootstrapRequest { RecoverEtcd = true });

        var logged = h.Node.Journal.ReadAll().Where(e => e.PayloadCase == NodeEvent.PayloadOneofCase.EtcdMembershipChanged).Select(e => e.EtcdMembershipChanged).ToList();
        Assert.Equal([Change.Bootstrapped, Change.Left, Change.Recovered], logged.Select(c => c.Change));
        Assert.Equal(self.Id, logged[0].MemberId);
        Assert.Equal(self.Name, logged[1].MemberName);
        Assert.All(logged, c => Assert.Equal(logged[0].ClusterId, c.ClusterId));   // recovery keeps the snapshot's cluster id
        Assert.Equal(logged[0].Revision + 1, logged[2].Revision);
        Assert.NotEqual(self.Id, logged[2].MemberId);   // a new member id, as etcdutl snapshot restore gives
        Assert.Equal((1u, 3ul), (h.Node.State.EtcdMembers, h.Node.State.Counters.EtcdChanges));
    }
}
