using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Talos.Partitions.Gpt;

/// <summary>
/// Byte layout of the protective MBR, the GPT header and the partition entries (UEFI 2.10 §5.2–5.3; the offset
/// tables are in specs/formats/gpt.md). All integers little-endian; GUIDs in the UEFI mixed-endian layout, which is
/// exactly <see cref="Guid.TryWriteBytes(Span{byte})"/>.
/// </summary>
internal static class GptFormat
{
    public const ulong Signature = 0x5452415020494645UL; // "EFI PART" read as a little-endian u64
    public const uint Revision = 0x00010000;
    public const int HeaderSize = 92;

    /// <summary>Parsed header fields (offsets: 24 MyLBA, 32 AlternateLBA, 40/48 usable range, 56 disk GUID, 72 entries LBA, 80 count, 84 size, 88 CRC).</summary>
    public sealed record Header(long MyLba, long AlternateLba, long FirstUsableLba, long LastUsableLba, Guid DiskGuid, long EntriesLba, uint EntryCount, uint EntrySize, uint EntriesCrc);

    public static void EncodeHeader(Span<byte> sector, Header h)
    {
        sector.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(sector, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[8..], Revision);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[12..], HeaderSize);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[24..], (ulong)h.MyLba);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[32..], (ulong)h.AlternateLba);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[40..], (ulong)h.FirstUsableLba);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[48..], (ulong)h.LastUsableLba);
        h.DiskGuid.TryWriteBytes(sector[56..72]);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[72..], (ulong)h.EntriesLba);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[80..], h.EntryCount);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[84..], h.EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[88..], h.EntriesCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[16..], Crc32.HashToUInt32(sector[..HeaderSize]));
    }

    /// <summary>Decodes and checks signature, revision, header size and header CRC; returns null and adds problems otherwise.</summary>
    public static Header? DecodeHeader(ReadOnlySpan<byte> sector, List<string> problems)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(sector) != Signature)
        {
            problems.Add("no \"EFI PART\" signature");
            return null;
        }
        var revision = BinaryPrimitives.ReadUInt32LittleEndian(sector[8..]);
        if (revision != Revision) problems.Add($"unsupported revision 0x{revision:X8}");
        var size = BinaryPrimitives.ReadUInt32LittleEndian(sector[12..]);
        if (size < HeaderSize || size > sector.Length)
        {
            problems.Add($"header size {size} outside {HeaderSize}..{sector.Length}");
            return null;
        }
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(sector[16..]);
        var copy = sector[..(int)size].ToArray();
        copy.AsSpan(16, 4).Clear();
        var actual = Crc32.HashToUInt32(copy);
        if (stored != actual) problems.Add($"header CRC32 mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})");
        if (problems.Count > 0) return null;
        return new Header(
            (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[24..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[32..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[40..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[48..]),
            new Guid(sector[56..72]), (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[72..]),
            BinaryPrimitives.ReadUInt32LittleEndian(sector[80..]), BinaryPrimitives.ReadUInt32LittleEndian(sector[84..]),
            BinaryPrimitives.ReadUInt32LittleEndian(sector[88..]));
    }

    /// <summary>Entry: 0 type GUID, 16 partition GUID, 32 first LBA, 40 last LBA, 48 attributes, 56 name (72 bytes UTF-16LE).</summary>
    public static void EncodeEntry(Span<byte> entry, GptPartition p)
    {
        entry[..GptTable.EntrySize].Clear();
        p.TypeGuid.TryWriteBytes(entry[..16]);
        p.PartitionGuid.TryWriteBytes(entry[16..32]);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], (ulong)p.FirstLba);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[40..], (ulong)p.LastLba);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[48..], p.Attributes);
        Encoding.Unicode.GetBytes(p.Name, entry[56..128]);
    }

    /// <summary>Decodes entry <paramref name="number"/> (1-based); null for an unused entry (type GUID all zero).</summary>
    public static GptPartition? DecodeEntry(ReadOnlySpan<byte> entry, int number)
    {
        var type = new Guid(entry[..16]);
        if (type == Guid.Empty) return null;
        var nameBytes = entry[56..128];
        var len = 0;
        while (len + 1 < nameBytes.Length && (nameBytes[len] | nameBytes[len + 1]) != 0) len += 2;
        return new GptPartition(number, type, new Guid(entry[16..32]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]), Encoding.Unicode.GetString(nameBytes[..len]));
    }

    /// <summary>
    /// Protective MBR: one record at byte 446 of type 0xEE covering LBA 1 to the end (size capped at 2^32-1 sectors),
    /// CHS start 0/0/2, CHS end of the last sector (or 0xFFFFFF beyond CHS range), signature 0x55AA at 510 — the same
    /// bytes sgdisk writes.
    /// </summary>
    public static void EncodeProtectiveMbr(Span<byte> sector, long diskSectors)
    {
        sector.Clear();
        var rec = sector[446..462];
        rec[0] = 0x00;                               // not bootable
        rec[1] = 0x00; rec[2] = 0x02; rec[3] = 0x00; // CHS of LBA 1
        rec[4] = 0xEE;                               // GPT protective
        var size = (uint)Math.Min(diskSectors - 1, uint.MaxValue);
        EncodeChs(rec[5..8], size);                  // last covered LBA = 1 + size - 1
        BinaryPrimitives.WriteUInt32LittleEndian(rec[8..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(rec[12..], size);
        sector[510] = 0x55;
        sector[511] = 0xAA;
    }

    /// <summary>LBA to CHS with the conventional 255 heads × 63 sectors geometry; 0xFFFFFF past cylinder 1023.</summary>
    private static void EncodeChs(Span<byte> chs, long lba)
    {
        var cylinder = lba / (255 * 63);
        if (cylinder > 1023) { chs[0] = chs[1] = chs[2] = 0xFF; return; }
        var head = lba / 63 % 255;
        var sec = lba % 63 + 1;
        chs[0] = (byte)head;
        chs[1] = (byte)(sec | ((cylinder >> 2) & 0xC0));
        chs[2] = (byte)cylinder;
    }

    /// <summary>True when LBA 0 carries a 0x55AA signature and a 0xEE record starting at LBA 1.</summary>
    public static bool IsProtectiveMbr(ReadOnlySpan<byte> sector)
    {
        if (sector[510] != 0x55 || sector[511] != 0xAA) return false;
        for (var i = 0; i < 4; i++)
        {
            var rec = sector.Slice(446 + 16 * i, 16);
            if (rec[4] == 0xEE && BinaryPrimitives.ReadUInt32LittleEndian(rec[8..]) == 1) return true;
        }
        return false;
    }
}
