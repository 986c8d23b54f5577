using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Talos.Partitions.Meta;

/// <summary>
/// Encodes and checks one META record frame (format version 1, see specs/meta-log.md). All integers big-endian.
/// <code>
/// offset size field
///   0     4  magic "TMLR" (0x544D4C52)
///   4     1  format version (1)
///   5     1  flags (0; reserved)
///   6     2  event type (opaque to the log; a catalogue id from specs/)
///   8     4  frame length in bytes, header + payload + CRC (64 + payload length)
///  12     8  sequence number (gap-free, starting at 1)
///  20     8  timestamp, microseconds since the Unix epoch (UTC)
///  28    32  SHA-256 of the previous record's whole frame (zeros before sequence 1)
///  60     n  payload (the event's protobuf bytes)
///  60+n   4  CRC-32C of bytes [0, 60+n)
/// </code>
/// The hash of a record is the SHA-256 of its whole frame, CRC included.
/// </summary>
public static class RecordFrame
{
    /// <summary>"TMLR".</summary>
    public const uint Magic = 0x544D4C52;
    /// <summary>The only frame version this code reads and writes.</summary>
    public const byte Version = 1;
    /// <summary>Bytes of header before the payload.</summary>
    public const int HeaderSize = 60;
    /// <summary>Header + CRC: the size of a frame with an empty payload.</summary>
    public const int Overhead = HeaderSize + 4;
    /// <summary>Size of a record hash.</summary>
    public const int HashSize = 32;

    /// <summary>Writes a frame into <paramref name="dest"/> and returns its length.</summary>
    public static int Encode(Span<byte> dest, ulong seq, long timestampMicros, ushort eventType, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> prevHash)
    {
        if (prevHash.Length != HashSize) throw new ArgumentException("previous hash must be 32 bytes", nameof(prevHash));
        var len = Overhead + payload.Length;
        var f = dest[..len];
        BinaryPrimitives.WriteUInt32BigEndian(f, Magic);
        f[4] = Version;
        f[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(f[6..], eventType);
        BinaryPrimitives.WriteInt32BigEndian(f[8..], len);
        BinaryPrimitives.WriteUInt64BigEndian(f[12..], seq);
        BinaryPrimitives.WriteInt64BigEndian(f[20..], timestampMicros);
        prevHash.CopyTo(f[28..]);
        payload.CopyTo(f[HeaderSize..]);
        BinaryPrimitives.WriteUInt32BigEndian(f[(HeaderSize + payload.Length)..], Crc32C.Compute(f[..(HeaderSize + payload.Length)]));
        return len;
    }

    /// <summary>True when <paramref name="src"/> starts with the frame magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> src) => src.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(src) == Magic;

    /// <summary>
    /// Checks the frame at the start of <paramref name="src"/>: magic, length within <paramref name="src"/>, CRC, version.
    /// On <see cref="FrameStatus.Ok"/>, <paramref name="length"/> is the frame length.
    /// </summary>
    public static FrameStatus Check(ReadOnlySpan<byte> src, out int length)
    {
        length = 0;
        if (src.Length < Overhead) return FrameStatus.Truncated;
        if (!HasMagic(src)) return FrameStatus.NoMagic;
        var len = BinaryPrimitives.ReadInt32BigEndian(src[8..]);
        if (len < Overhead || len > src.Length) return FrameStatus.BadLength;
        var stored = BinaryPrimitives.ReadUInt32BigEndian(src[(len - 4)..]);
        if (Crc32C.Compute(src[..(len - 4)]) != stored) return FrameStatus.BadChecksum;
        length = len;
        // The version is checked after the CRC: an unknown version in a frame whose checksum holds was written
        // on purpose by newer software, which is a different failure from a torn write.
        return src[4] == Version ? FrameStatus.Ok : FrameStatus.UnknownVersion;
    }

    /// <summary>Sequence number of a checked frame.</summary>
    public static ulong Sequence(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt64BigEndian(frame[12..]);
    /// <summary>Timestamp (Unix microseconds) of a checked frame.</summary>
    public static long Timestamp(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt64BigEndian(frame[20..]);
    /// <summary>Event type of a checked frame.</summary>
    public static ushort EventType(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt16BigEndian(frame[6..]);
    /// <summary>Frame length field.</summary>
    public static int Length(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt32BigEndian(frame[8..]);
    /// <summary>The previous-record hash stored in a frame.</summary>
    public static ReadOnlySpan<byte> PreviousHash(ReadOnlySpan<byte> frame) => frame.Slice(28, HashSize);

    /// <summary>SHA-256 of a whole frame (its hash in the chain).</summary>
    public static void Hash(ReadOnlySpan<byte> frame, Span<byte> hash) => SHA256.HashData(frame, hash);
}

/// <summary>Result of <see cref="RecordFrame.Check"/>.</summary>
public enum FrameStatus
{
    /// <summary>Magic, length, CRC and version all good.</summary>
    Ok,
    /// <summary>No frame magic at this position.</summary>
    NoMagic,
    /// <summary>Fewer bytes left than the smallest frame.</summary>
    Truncated,
    /// <summary>The length field is impossible.</summary>
    BadLength,
    /// <summary>The CRC-32C does not match (a torn or damaged frame).</summary>
    BadChecksum,
    /// <summary>The CRC matches but the format version is not one this code knows.</summary>
    UnknownVersion,
}
