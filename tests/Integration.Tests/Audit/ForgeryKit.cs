using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Talos.Machined.Runtime;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;
using Talos.Partitions.State;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// Issue #22's forgery, offline on a copy of a real node disk, as a hostile holder of the disk would do it: flip a
/// kernel byte in a slot, recompute the slot's digests, rewrite the recorded digests in META and re-chain it, and
/// re-sign the head (with the key on STATE if it can be used, else with the forger's own key put in its place).
/// </summary>
internal static class ForgeryKit
{
    /// <summary>Flips a kernel byte of <paramref name="label"/> and recomputes its kernel digest and header checksum; returns (old, new) content digests (hex).</summary>
    public static (string Old, string New) FlipKernelByte(IBlockDevice disk, string label)
    {
        var slot = TalosLayout.OpenPartition(disk, label);
        var header = new byte[4096];
        slot.Read(0, header);
        var old = Convert.ToHexStringLower(header.AsSpan(0xFE0, 32));
        var offset = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(0x010));
        var size = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(0x018));
        var kernel = new byte[size];
        slot.Read(offset, kernel);
        kernel[17] ^= 0x01;
        slot.Write(offset, kernel);
        SHA256.HashData(kernel, header.AsSpan(0x020, 32));
        SHA256.HashData(header.AsSpan(0, 0xFE0), header.AsSpan(0xFE0, 32));
        slot.Write(0, header);
        slot.Flush();
        return (old, Convert.ToHexStringLower(header.AsSpan(0xFE0, 32)));
    }

    /// <summary>Rewrites every record of META replacing <paramref name="from"/> by <paramref name="to"/> in the payloads, and re-chains the log.</summary>
    public static async Task RewriteMetaAsync(IBlockDevice disk, string from, string to)
    {
        var meta = TalosLayout.OpenPartition(disk, "META");
        Guid nodeId;
        List<LogEntry> entries;
        using (var log = MetaLog.OpenReadOnly(meta))
        {
            Assert.Equal(0ul, log.Checkpoint.CheckpointSequence);
            nodeId = log.NodeId;
            entries = log.ReadFrom(log.FirstSequence).Select(r => new LogEntry(r.EventType,
                Replace(r.Payload.ToArray(), Encoding.ASCII.GetBytes(from), Encoding.ASCII.GetBytes(to)))).ToList();
        }
        meta.Write(0, new byte[meta.Length]);
        meta.Flush();
        using var fresh = MetaLog.Open(meta, new MetaLogOptions { NodeId = nodeId, SnapshotFolder = NodeJournal.FoldSnapshot }, TimeProvider.System);
        await fresh.AppendAsync(entries);
    }

    /// <summary>Signs the rewritten log's head with <paramref name="seed"/> and puts it (and, when <paramref name="ownKey"/>, that key) on STATE.</summary>
    public static void Resign(IBlockDevice disk, byte[] seed, bool ownKey)
    {
        var audit = DiskAudit.Run(disk);
        var state = StateStore.Open(TalosLayout.OpenPartition(disk, "STATE"));
        if (ownKey) state.Put(NodeKey.DocumentName, NodeKey.Encode(seed));
        state.Put(NodeKey.HeadDocumentName, new HeadSigner(seed).Sign(audit).Encode());
    }

    private static byte[] Replace(byte[] payload, byte[] from, byte[] to)
    {
        for (var at = payload.AsSpan().IndexOf(from); at >= 0; at = payload.AsSpan().IndexOf(from))
            to.CopyTo(payload, at);
        return payload;
    }
}
