using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Talos.Partitions.Meta;

namespace Talos.Partitions.State;

/// <summary>
/// One STATE slot (format version 1, specs/formats/state-store.md). A slot holds the whole document set. Big-endian.
/// <code>
/// offset size field
///   0     8  magic "TALOSSTA"
///   8     2  format version (1)
///  10     2  reserved (0)
///  12     4  body length n
///  16     8  generation (1 for the first write, +1 per write)
///  24    32  SHA-256 of the body
///  56     4  CRC-32C of bytes [0, 56)
///  60     4  reserved (0)
///  64     n  body
/// body = u32 document count, then per document in ordinal name order:
///        u16 name length, name (UTF-8), u32 data length, data
/// </code>
/// </summary>
internal static class StateSlot
{
    public static ReadOnlySpan<byte> Magic => "TALOSSTA"u8;
    public const ushort Version = 1;
    public const int HeaderSize = 64;

    /// <summary>Bytes one document takes in a body: name length, name, data length, data.</summary>
    public static long EntryLength(string name, long dataLength) => 2 + Encoding.UTF8.GetByteCount(name) + 4 + dataLength;

    public static byte[] EncodeBody(IReadOnlyDictionary<string, byte[]> docs)
    {
        var names = docs.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var size = checked((int)(4 + names.Sum(n => EntryLength(n, docs[n].Length))));
        var body = new byte[size];
        var s = body.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(s, (uint)names.Length);
        var pos = 4;
        foreach (var n in names)
        {
            var nb = Encoding.UTF8.GetBytes(n);
            BinaryPrimitives.WriteUInt16BigEndian(s[pos..], (ushort)nb.Length);
            nb.CopyTo(s[(pos + 2)..]);
            pos += 2 + nb.Length;
            BinaryPrimitives.WriteUInt32BigEndian(s[pos..], (uint)docs[n].Length);
            docs[n].CopyTo(s[(pos + 4)..]);
            pos += 4 + docs[n].Length;
        }
        return body;
    }

    public static void EncodeHeader(Span<byte> dest, ulong generation, ReadOnlySpan<byte> body)
    {
        Magic.CopyTo(dest);
        BinaryPrimitives.WriteUInt16BigEndian(dest[8..], Version);
        BinaryPrimitives.WriteInt32BigEndian(dest[12..], body.Length);
        BinaryPrimitives.WriteUInt64BigEndian(dest[16..], generation);
        SHA256.HashData(body, dest[24..56]);
        BinaryPrimitives.WriteUInt32BigEndian(dest[56..], Crc32C.Compute(dest[..56]));
    }

    public enum Status { Valid, Zero, Invalid, UnknownVersion, Unreadable }

    /// <summary>Decodes a slot image; never throws on bad bytes.</summary>
    public static Status TryDecode(ReadOnlySpan<byte> slot, out ulong generation, out SortedDictionary<string, byte[]>? docs)
    {
        generation = 0;
        docs = null;
        var header = slot[..HeaderSize];
        if (!header.ContainsAnyExcept((byte)0)) return Status.Zero;
        if (!header.StartsWith(Magic) || Crc32C.Compute(header[..56]) != BinaryPrimitives.ReadUInt32BigEndian(header[56..])) return Status.Invalid;
        if (BinaryPrimitives.ReadUInt16BigEndian(header[8..]) != Version) return Status.UnknownVersion;
        var n = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (n < 4 || n > slot.Length - HeaderSize) return Status.Invalid;
        var body = slot.Slice(HeaderSize, n);
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(body, h);
        if (!h.SequenceEqual(header[24..56])) return Status.Invalid;
        docs = DecodeBody(body);
        if (docs is null) return Status.Invalid;
        generation = BinaryPrimitives.ReadUInt64BigEndian(header[16..]);
        return Status.Valid;
    }

    private static SortedDictionary<string, byte[]>? DecodeBody(ReadOnlySpan<byte> body)
    {
        var docs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var count = BinaryPrimitives.ReadUInt32BigEndian(body);
        var pos = 4;
        for (var i = 0u; i < count; i++)
        {
            if (pos + 2 > body.Length) return null;
            int nl = BinaryPrimitives.ReadUInt16BigEndian(body[pos..]);
            if (pos + 2 + nl + 4 > body.Length) return null;
            var name = Encoding.UTF8.GetString(body.Slice(pos + 2, nl));
            pos += 2 + nl;
            var dl = BinaryPrimitives.ReadUInt32BigEndian(body[pos..]);
            if (dl > (uint)(body.Length - pos - 4)) return null;
            if (!docs.TryAdd(name, body.Slice(pos + 4, (int)dl).ToArray())) return null;
            pos += 4 + (int)dl;
        }
        return pos == body.Length ? docs : null;
    }
}
