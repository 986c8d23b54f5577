using Google.Protobuf;
using Talos.Api.Cosi;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Tests.Commands;

/// <summary>talosctl get members|blockdevices|partitions: aliases resolve to the node's types; columns and sizes as upstream prints them.</summary>
public sealed class StorageAndEtcdResourcesPrintLikeUpstream
{
    [Theory]
    [InlineData("members", "Members.etcd.talos.dev", "etcd")]
    [InlineData("blockdevices", "BlockDevices.block.talos.dev", "runtime")]
    [InlineData("partitions", "Partitions.block.talos.dev", "runtime")]
    public void Aliases_resolve_with_their_namespace(string alias, string type, string ns) =>
        Assert.Equal((type, ns), ResourceAliases.Resolve(alias));

    [Theory]
    [InlineData(999UL, "999 B")]
    [InlineData(1_048_576UL, "1.0 MB")]
    [InlineData(64_487_424UL, "64 MB")]
    [InlineData(268_435_456UL, "268 MB")]
    [InlineData(8_589_934_592UL, "8.6 GB")]
    public void Sizes_are_humanized_in_SI_units(ulong bytes, string expected) => Assert.Equal(expected, ResourceFormat.Bytes(bytes));

    [Fact]
    public void A_partition_row_shows_label_offset_size_and_type()
    {
        var r = new Resource
        {
            Metadata = new Metadata { Namespace = "runtime", Type = "Partitions.block.talos.dev", Id = "EPHEMERAL", Version = "12" },
            Spec = new Spec { ProtoSpec = new PartitionSpec { Label = "EPHEMERAL", Offset = 138412032, Size = 129_000_000, TypeGuid = "0FC63DAF-8483-4772-8E79-3D69D8477DE4" }.ToByteString() },
        };
        Assert.Equal(["LABEL", "OFFSET", "SIZE", "TYPE"], ResourceFormat.SpecHeader(r.Metadata.Type));
        Assert.Equal(["n1", "runtime", "Partition", "EPHEMERAL", "12", "EPHEMERAL", "138412032", "129 MB", "0FC63DAF-8483-4772-8E79-3D69D8477DE4"],
            ResourceFormat.Row("n1", r));
        var member = new Resource
        {
            Metadata = new Metadata { Namespace = "etcd", Type = "Members.etcd.talos.dev", Id = "00000000000000ab", Version = "3" },
            Spec = new Spec { ProtoSpec = new EtcdMemberSpec { MemberId = "ab", Hostname = "cp1", PeerUrls = { "https://a:2380" }, ClientUrls = { "https://a:2379" }, IsLeader = true }.ToByteString() },
        };
        Assert.Equal(["n1", "etcd", "Member", "00000000000000ab", "3", "cp1", "https://a:2380", "https://a:2379", "false", "true"], ResourceFormat.Row("n1", member));
    }
}
