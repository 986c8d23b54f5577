using System.Buffers.Binary;

namespace Talos.Partitions.Meta;

/// <summary>
/// A META superblock (format version 1). Two copies: sector 0 and sector 1 of the partition. Big-endian.
/// <code>
/// offset size field
///   0     8  magic "TALOSMSB"
///   8     2  format version (1)
///  10     2  reserved (0)
///  12     4  sector size in bytes
///  16     8  generation (1 at creation, +1 per checkpoint)
///  24    16  node id (GUID, RFC 4122 big-endian byte order)
///  40     8  partition length in bytes
///  48     8  byte offset of region 0
///  56     8  region length in bytes (region 1 follows region 0)
///  64     1  active region (0 or 1)
///  65     3  reserved (0)
///  68     4  CRC-32C of bytes [0, 68)
///  72     …  zero to the end of the sector
/// </code>
/// </summary>
/// <param name="Generation">Generation; the valid copy with the highest one wins.</param>
/// <param name="NodeId">Node identity written at creation.</param>
/// <param name="SectorSize">Sector size the log was created with.</param>
/// <param name="PartitionLength">Partition length the log was created with.</param>
/// <param name="RegionOffset">Byte offset of region 0.</param>
/// <param name="RegionLength">Length of each region.</param>
/// <param name="ActiveRegion">Region holding the current checkpoint and records.</param>
public sealed record Superblock(ulong Generation, Guid NodeId, int SectorSize, long PartitionLength, long RegionOffset, long RegionLength, int ActiveRegion)
{
    /// <summary>"TALOSMSB".</summary>
    public static ReadOnlySpan<byte> Magic => "TALOSMSB"u8;
    /// <summary>The only superblock version this code reads and writes.</summary>
    public const ushort Version = 1;
    /// <summary>Bytes covered by the superblock (fields + CRC).</summary>
    public const int Size = 72;

    /// <summary>Byte offset of the given region.</summary>
    public long RegionStart(int region) => RegionOffset + region * RegionLength;

    /// <summary>Writes the superblock into <paramref name="sector"/> (which must be zeroed, at least <see cref="Size"/> bytes).</summary>
    public void Encode(Span<byte> sector)
    {
        Magic.CopyTo(sector);
        BinaryPrimitives.WriteUInt16BigEndian(sector[8..], Version);
        BinaryPrimitives.WriteInt32BigEndian(sector[12..], SectorSize);
        BinaryPrimitives.WriteUInt64BigEndian(sector[16..], Generation);
        NodeId.TryWriteBytes(sector[24..40], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(sector[40..], PartitionLength);
        BinaryPrimitives.WriteInt64BigEndian(sector[48..], RegionOffset);
        BinaryPrimitives.WriteInt64BigEndian(sector[56..], RegionLength);
        sector[64] = (byte)ActiveRegion;
        BinaryPrimitives.WriteUInt32BigEndian(sector[68..], Crc32C.Compute(sector[..68]));
    }

    /// <summary>Decodes one copy. Never throws on bad bytes: the status says what is wrong.</summary>
    public static SuperblockStatus TryDecode(ReadOnlySpan<byte> sector, out Superblock? sb)
    {
        sb = null;
        if (!sector.ContainsAnyExcept((byte)0)) return SuperblockStatus.Zero;
        if (sector.Length < Size || !sector.StartsWith(Magic)) return SuperblockStatus.Invalid;
        if (Crc32C.Compute(sector[..68]) != BinaryPrimitives.ReadUInt32BigEndian(sector[68..])) return SuperblockStatus.Invalid;
        if (BinaryPrimitives.ReadUInt16BigEndian(sector[8..]) != Version) return SuperblockStatus.UnknownVersion;
        var active = sector[64];
        if (active > 1) return SuperblockStatus.Invalid;
        sb = new Superblock(
            BinaryPrimitives.ReadUInt64BigEndian(sector[16..]),
            new Guid(sector[24..40], bigEndian: true),
            BinaryPrimitives.ReadInt32BigEndian(sector[12..]),
            BinaryPrimitives.ReadInt64BigEndian(sector[40..]),
            BinaryPrimitives.ReadInt64BigEndian(sector[48..]),
            BinaryPrimitives.ReadInt64BigEndian(sector[56..]),
            active);
        return SuperblockStatus.Valid;
    }

    /// <summary>The layout for a partition: regions start at max(2 sectors, 4 KiB) and split the rest in two.</summary>
    public static (long RegionOffset, long RegionLength) Layout(long partitionLength, int sectorSize)
    {
        long offset = Math.Max(2L * sectorSize, 4096);
        long region = (partitionLength - offset) / 2 / sectorSize * sectorSize;
        return (offset, region);
    }
}

/// <summary>Outcome of decoding one superblock copy.</summary>
public enum SuperblockStatus
{
    /// <summary>Checksum and version good.</summary>
    Valid,
    /// <summary>The sector is all zeros (never written, or wiped).</summary>
    Zero,
    /// <summary>Bad magic, bad checksum or impossible field: torn or damaged.</summary>
    Invalid,
    /// <summary>The checksum holds but the format version is unknown (written by newer software).</summary>
    UnknownVersion,
}
