using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.State;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.State;

/// <summary>
/// Issue #12: EtcdMembershipChanged (type code 56) is pinned byte for byte (specs/events.md), and its fold (member
/// count, change counter; a wipe of EPHEMERAL forgets the count) is pinned in the snapshot bytes (specs/formats/node-state.md).
/// </summary>
public sealed class EtcdMembershipChangedIsPinned
{
    private static NodeEvent Change(Ev ev, EtcdChange change, uint members, ulong revision = 1) => ev.Make(e => e.EtcdMembershipChanged = new EtcdMembershipChanged
    {
        Change = change, ClusterId = 0xc1, MemberId = 0x1d, MemberName = "cp1", Revision = revision, Members = members,
    });

    [Fact]
    public void Golden_bytes_of_the_event()
    {
        var e = Change(new Ev { SequenceId = "" }, EtcdChange.Bootstrapped, 3);
        // 08 01 sequence | 12 06 … time | 1a 07 "actor-1" | c2 03 (field 56, LEN) 10 | change 1, cluster 0xc1, member 0x1d, "cp1", revision 1, members 3
        Assert.Equal("080112060881f2d6ca061a076163746f722d31" + "c20310" + "0801" + "10c101" + "181d" + "2203637031" + "2801" + "3003",
            Convert.ToHexStringLower(EventCodec.Encode(e)));
        Assert.Equal(56, EventCodec.TypeCode(e));
        Assert.Equal(EventCodec.Encode(e), EventCodec.Encode(EventCodec.Decode(EventCodec.Encode(e), 56)));
    }

    [Fact]
    public void The_fold_keeps_the_member_count_and_counts_changes_and_the_snapshot_is_pinned()
    {
        var s = NodeState.Replay([Change(new Ev(), EtcdChange.Bootstrapped, 3)]);
        Assert.Equal((3u, 1ul), (s.EtcdMembers, s.Counters.EtcdChanges));
        Assert.Empty(s.Anomalies);
        // format | last_sequence 1 | in_maintenance | empty slots and running | counters{etcd_changes 1} | etcd_members 3
        Assert.Equal("0801" + "1001" + "2001" + "2a00" + "3200" + "6200" + "aa01024001" + "e00103", Convert.ToHexStringLower(s.ToSnapshot()));
        Assert.Equal(s.Hash, NodeState.FromSnapshot(s.ToSnapshot()).Hash);
    }

    [Fact]
    public void Leaving_and_a_wipe_of_ephemeral_forget_the_members_but_not_the_count_of_changes()
    {
        var ev = new Ev();
        var left = NodeState.Replay([Change(ev, EtcdChange.Joined, 2, 4), Change(ev, EtcdChange.MemberPromoted, 2, 5), Change(ev, EtcdChange.Left, 0, 0)]);
        Assert.Equal((0u, 3ul), (left.EtcdMembers, left.Counters.EtcdChanges));

        var ev2 = new Ev();
        var wiped = NodeState.Replay([Change(ev2, EtcdChange.Recovered, 1, 9),
            ev2.Make(e => e.NodeReset = new NodeReset { LabelsWiped = { "EPHEMERAL" }, Preserve = true })]);
        Assert.Equal((0u, 1ul), (wiped.EtcdMembers, wiped.Counters.EtcdChanges));
        Assert.NotEqual(NodeState.Replay([Change(new Ev(), EtcdChange.Recovered, 1, 9)]).Hash, wiped.Hash);
    }
}
