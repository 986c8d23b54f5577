using Google.Protobuf;
using Talos.Api.Cosi;
using Talos.Core.Errors;
using Talos.Machined.Runtime;
using Talos.Partitions.Gpt;

namespace Talos.Machined.Api;

public static partial class NodeResources
{
    /// <summary>One resource per etcd member as this node holds the list (none when it holds no etcd data).</summary>
    private static IEnumerable<(string, IMessage?, string)> EtcdMembers(NodeRuntime node)
    {
        Etcd.EtcdData? data;
        try { data = node.Stage == NodeStage.Running && node.IsControlPlane ? node.Etcd.Local() : null; }
        catch (TalosException) { data = null; }   // a disk without the layout holds no etcd data
        return (data?.Members ?? []).Select(m => Spec(m.Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), new EtcdMemberSpec
        {
            MemberId = m.Id.ToString("x", System.Globalization.CultureInfo.InvariantCulture), Hostname = m.Name,
            PeerUrls = { m.PeerUrl }, ClientUrls = { m.ClientUrl }, IsLearner = m.IsLearner, IsLeader = m.Id == data!.LeaderId,
        }));
    }

    /// <summary>The system disk, with its GPT's disk GUID when it carries one.</summary>
    private static IEnumerable<(string, IMessage?, string)> BlockDevices(NodeRuntime node)
    {
        var gpt = ReadGpt(node);
        yield return Spec(DiskId(node), new BlockDeviceSpec
        {
            Path = node.Disk.Name, Size = (ulong)node.Disk.Device.Length, SectorSize = (uint)node.Disk.Device.SectorSize,
            PartitionTable = gpt is null ? "" : "gpt", DiskGuid = gpt?.DiskGuid.ToString().ToUpperInvariant() ?? "",
        });
    }

    /// <summary>The partitions of the disk's real GPT (read now; none on a blank disk).</summary>
    private static IEnumerable<(string, IMessage?, string)> Partitions(NodeRuntime node)
    {
        var gpt = ReadGpt(node);
        var sector = (ulong)node.Disk.Device.SectorSize;
        return (gpt?.Partitions ?? []).Select(p => Spec(p.Name, new PartitionSpec
        {
            Number = (uint)p.Number, Label = p.Name, Size = (ulong)p.SectorCount * sector, Offset = (ulong)p.FirstLba * sector,
            TypeGuid = p.TypeGuid.ToString().ToUpperInvariant(), PartitionGuid = p.PartitionGuid.ToString().ToUpperInvariant(), Parent = DiskId(node),
        }));
    }

    private static string DiskId(NodeRuntime node) => Path.GetFileName(node.Disk.Name) is { Length: > 0 } n ? n : "disk";

    private static GptTable? ReadGpt(NodeRuntime node)
    {
        try { return GptDisk.Read(node.Disk.Device).Table; }
        catch (TalosException) { return null; }
    }
}
