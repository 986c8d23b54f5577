using System.Buffers.Binary;

namespace Talos.Partitions.Meta;

/// <summary>
/// The checkpoint block at the start of each META region (format version 1). Big-endian. Padded with zeros to a
/// whole number of sectors; the records of the region follow it.
/// <code>
/// offset size field
///   0     8  magic "TALOSMCP"
///   8     2  format version (1)
///  10     2  reserved (0)
///  12     4  snapshot length n
///  16     8  generation (equals the superblock generation that made this region active)
///  24     8  checkpoint sequence: last record folded into the snapshot (0 = none)
///  32    32  hash of that record (zeros when the checkpoint sequence is 0)
///  64     8  first sequence stored in this region (retained, not yet mirrored records are carried over)
///  72    32  hash of the record before the first stored one (the chain link of the first record)
/// 104     8  mirrored sequence: records up to here were acknowledged as mirrored to the fleet store
/// 112     8  first sequence dropped unmirrored by a forced compaction (0 = none)
/// 120     8  last sequence dropped unmirrored by a forced compaction (0 = none)
/// 128    32  hash of the last record dropped unmirrored (zeros = none)
/// 160     4  CRC-32C of bytes [0, 160) followed by the snapshot
/// 164     4  reserved (0)
/// 168     n  snapshot bytes (the caller's folded state at the checkpoint sequence)
/// </code>
/// </summary>
public sealed record CheckpointHeader(
    ulong Generation, ulong CheckpointSequence, byte[] CheckpointHash, ulong FirstSequence, byte[] FirstPreviousHash,
    ulong MirroredSequence, ulong DroppedFrom, ulong DroppedTo, byte[] DroppedHash, byte[] Snapshot)
{
    /// <summary>"TALOSMCP".</summary>
    public static ReadOnlySpan<byte> Magic => "TALOSMCP"u8;
    /// <summary>The only checkpoint version this code reads and writes.</summary>
    public const ushort Version = 1;
    /// <summary>Bytes before the snapshot.</summary>
    public const int FixedSize = 168;

    /// <summary>Bytes the block occupies on disk, rounded up to whole sectors.</summary>
    public int BlockLength(int sectorSize) => (FixedSize + Snapshot.Length + sectorSize - 1) / sectorSize * sectorSize;

    /// <summary>Writes the block into <paramref name="dest"/> (zeroed, at least <see cref="BlockLength"/> bytes).</summary>
    public void Encode(Span<byte> dest)
    {
        Magic.CopyTo(dest);
        BinaryPrimitives.WriteUInt16BigEndian(dest[8..], Version);
        BinaryPrimitives.WriteInt32BigEndian(dest[12..], Snapshot.Length);
        BinaryPrimitives.WriteUInt64BigEndian(dest[16..], Generation);
        BinaryPrimitives.WriteUInt64BigEndian(dest[24..], CheckpointSequence);
        CheckpointHash.CopyTo(dest[32..]);
        BinaryPrimitives.WriteUInt64BigEndian(dest[64..], FirstSequence);
        FirstPreviousHash.CopyTo(dest[72..]);
        BinaryPrimitives.WriteUInt64BigEndian(dest[104..], MirroredSequence);
        BinaryPrimitives.WriteUInt64BigEndian(dest[112..], DroppedFrom);
        BinaryPrimitives.WriteUInt64BigEndian(dest[120..], DroppedTo);
        DroppedHash.CopyTo(dest[128..]);
        Snapshot.CopyTo(dest[FixedSize..]);
        BinaryPrimitives.WriteUInt32BigEndian(dest[160..], Crc(dest, Snapshot.Length));
    }

    /// <summary>Decodes the block at the start of a region; the status says what is wrong. Never throws on bad bytes.</summary>
    public static CheckpointStatus TryDecode(ReadOnlySpan<byte> region, out CheckpointHeader? header)
    {
        header = null;
        if (region.Length < FixedSize || !region.StartsWith(Magic)) return CheckpointStatus.Invalid;
        var n = BinaryPrimitives.ReadInt32BigEndian(region[12..]);
        if (n < 0 || n > region.Length - FixedSize) return CheckpointStatus.Invalid;
        if (Crc(region, n) != BinaryPrimitives.ReadUInt32BigEndian(region[160..])) return CheckpointStatus.Invalid;
        if (BinaryPrimitives.ReadUInt16BigEndian(region[8..]) != Version) return CheckpointStatus.UnknownVersion;
        header = new CheckpointHeader(
            BinaryPrimitives.ReadUInt64BigEndian(region[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(region[24..]),
            region.Slice(32, 32).ToArray(),
            BinaryPrimitives.ReadUInt64BigEndian(region[64..]),
            region.Slice(72, 32).ToArray(),
            BinaryPrimitives.ReadUInt64BigEndian(region[104..]),
            BinaryPrimitives.ReadUInt64BigEndian(region[112..]),
            BinaryPrimitives.ReadUInt64BigEndian(region[120..]),
            region.Slice(128, 32).ToArray(),
            region.Slice(FixedSize, n).ToArray());
        return CheckpointStatus.Valid;
    }

    private static uint Crc(ReadOnlySpan<byte> block, int snapshotLength) =>
        Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, block[..160]), block.Slice(FixedSize, snapshotLength)));
}

/// <summary>Outcome of decoding a checkpoint block.</summary>
public enum CheckpointStatus
{
    /// <summary>Checksum and version good.</summary>
    Valid,
    /// <summary>Bad magic, length or checksum.</summary>
    Invalid,
    /// <summary>The checksum holds but the version is unknown.</summary>
    UnknownVersion,
}
