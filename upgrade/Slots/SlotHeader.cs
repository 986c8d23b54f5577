using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Talos.Upgrade.Slots;

/// <summary>
/// The header at byte 0 of a BOOT slot: what the slot holds and the digests that bind it. Spec:
/// <c>specs/formats/slot.md</c>. All integers big-endian; strings UTF-8, length-prefixed, zero-padded.
/// </summary>
/// <remarks>
/// <code>
/// offset  size  field
/// 0x000   8     magic "TALOSSLT"
/// 0x008   2     format version (1, or 2 when config features are declared)
/// 0x00A   1     slot label ('A' 0x41 or 'B' 0x42)
/// 0x00B   1     reserved, zero
/// 0x00C   4     header size (4096)
/// 0x010   8     kernel offset          0x018  8  kernel size     0x020  32  kernel SHA-256
/// 0x040   8     initramfs offset       0x048  8  initramfs size  0x050  32  initramfs SHA-256
/// 0x070   32    image manifest digest (SHA-256, raw)
/// 0x090   2+510 image reference        0x290  2+62  version
/// 0x2D0   2+30  architecture           0x2F0  2+62  service profile
/// 0x330   2+254 config features, comma-separated (version 2 only; reserved and zero in version 1)
/// 0x430   2992  reserved, zero
/// 0xFE0   32    header checksum: SHA-256 of bytes [0x000, 0xFE0)
/// </code>
/// The checksum doubles as the slot's content digest: it commits to the payload digests, and a measurement
/// re-hashes the payload against them (<see cref="SlotReader"/>).
/// </remarks>
public sealed record SlotHeader(
    BootSlot Slot,
    long KernelOffset,
    long KernelSize,
    byte[] KernelSha256,
    long InitramfsOffset,
    long InitramfsSize,
    byte[] InitramfsSha256,
    byte[] ManifestDigest,
    string ImageReference,
    string Version,
    string Architecture,
    string ServiceProfile,
    IReadOnlyList<string>? ConfigFeatures = null)
{
    /// <summary>Size of the header block; the payload starts at or after it.</summary>
    public const int Size = 4096;

    /// <summary>The newest format version this code writes and reads (it writes 1 when no config features are declared).</summary>
    public const ushort FormatVersion = 2;

    /// <summary>UTF-8 bytes available for the comma-separated config features (version 2).</summary>
    public const int ConfigFeaturesCapacity = 254;

    /// <summary>Offset of the header checksum.</summary>
    public const int ChecksumOffset = 0xFE0;

    /// <summary>The magic at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "TALOSSLT"u8;

    // (offset, capacity) of the length-prefixed string fields; capacity excludes the 2-byte length.
    private static readonly (int Offset, int Capacity)[] StringFields = [(0x090, 510), (0x290, 62), (0x2D0, 30), (0x2F0, 62)];
    private const int FeaturesOffset = 0x330;
    private const int ReservedStartV1 = 0x330, ReservedStartV2 = 0x430;

    /// <summary>Serialises the header into a 4096-byte block, checksum included. Throws on fields that do not fit.</summary>
    public byte[] Encode()
    {
        Validate();
        var b = new byte[Size];
        var s = b.AsSpan();
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt16BigEndian(s[0x008..], (ushort)(ConfigFeatures is null ? 1 : 2));
        s[0x00A] = (byte)Slot;
        BinaryPrimitives.WriteInt32BigEndian(s[0x00C..], Size);
        WriteExtent(s[0x010..], KernelOffset, KernelSize, KernelSha256);
        WriteExtent(s[0x040..], InitramfsOffset, InitramfsSize, InitramfsSha256);
        ManifestDigest.CopyTo(s[0x070..]);
        string[] values = [ImageReference, Version, Architecture, ServiceProfile];
        for (var i = 0; i < values.Length; i++)
        {
            var (off, _) = StringFields[i];
            var n = Encoding.UTF8.GetBytes(values[i], s[(off + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(s[off..], (ushort)n);
        }
        if (ConfigFeatures is not null)
        {
            var n = Encoding.UTF8.GetBytes(string.Join(',', ConfigFeatures), s[(FeaturesOffset + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(s[FeaturesOffset..], (ushort)n);
        }
        SHA256.HashData(s[..ChecksumOffset], s[ChecksumOffset..]);
        return b;
    }

    /// <summary>The content digest ("sha256:&lt;hex&gt;") of this header: the SHA-256 of its checksummed bytes.</summary>
    public string ContentDigest() => "sha256:" + Convert.ToHexStringLower(Encode().AsSpan(ChecksumOffset, 32));

    /// <summary>
    /// Parses a header block. Returns null with a reason when the block is not a valid header: all zero
    /// (an empty or invalidated slot), bad magic, unsupported version, checksum mismatch, or malformed fields.
    /// </summary>
    public static SlotHeader? TryDecode(ReadOnlySpan<byte> block, out string reason)
    {
        if (block.Length < Size) { reason = $"header block is {block.Length} bytes, need {Size}"; return null; }
        block = block[..Size];
        if (!block.ContainsAnyExcept((byte)0)) { reason = "empty: header block is all zero"; return null; }
        if (!block.StartsWith(Magic)) { reason = $"bad magic {Convert.ToHexStringLower(block[..8])}"; return null; }
        var version = BinaryPrimitives.ReadUInt16BigEndian(block[0x008..]);
        if (version is not (1 or 2)) { reason = $"unsupported slot format version {version} (this build reads 1 and 2)"; return null; }
        Span<byte> sum = stackalloc byte[32];
        SHA256.HashData(block[..ChecksumOffset], sum);
        if (!sum.SequenceEqual(block[ChecksumOffset..])) { reason = "header checksum mismatch (torn or corrupted header)"; return null; }
        // Past the checksum, a bad field means a writer bug, but it is still refused rather than trusted.
        var label = block[0x00A];
        if (label is not ((byte)'A' or (byte)'B')) { reason = $"bad slot label 0x{label:x2}"; return null; }
        if (block[0x00B] != 0 || block[(version == 1 ? ReservedStartV1 : ReservedStartV2)..ChecksumOffset].ContainsAnyExcept((byte)0)) { reason = "reserved bytes are not zero"; return null; }
        if (BinaryPrimitives.ReadInt32BigEndian(block[0x00C..]) != Size) { reason = "bad header size field"; return null; }
        var strings = new string[StringFields.Length];
        for (var i = 0; i < StringFields.Length; i++)
        {
            var (off, cap) = StringFields[i];
            var n = BinaryPrimitives.ReadUInt16BigEndian(block[off..]);
            if (n > cap) { reason = $"string field at 0x{off:x3} has length {n} > {cap}"; return null; }
            strings[i] = Encoding.UTF8.GetString(block.Slice(off + 2, n));
        }
        IReadOnlyList<string>? features = null;
        if (version == 2)
        {
            var n = BinaryPrimitives.ReadUInt16BigEndian(block[FeaturesOffset..]);
            if (n > ConfigFeaturesCapacity) { reason = $"config features length {n} > {ConfigFeaturesCapacity}"; return null; }
            features = n == 0 ? [] : Encoding.UTF8.GetString(block.Slice(FeaturesOffset + 2, n)).Split(',');
        }
        var h = new SlotHeader((BootSlot)label,
            ReadI64(block, 0x010), ReadI64(block, 0x018), block.Slice(0x020, 32).ToArray(),
            ReadI64(block, 0x040), ReadI64(block, 0x048), block.Slice(0x050, 32).ToArray(),
            block.Slice(0x070, 32).ToArray(), strings[0], strings[1], strings[2], strings[3], features);
        var bad = h.ExtentProblem();
        if (bad is not null) { reason = bad; return null; }
        reason = "";
        return h;
    }

    /// <summary>Returns why the kernel/initramfs extents are malformed, or null when they are sane.</summary>
    internal string? ExtentProblem()
    {
        if (KernelOffset < Size || KernelSize < 0) return $"kernel extent {KernelOffset}+{KernelSize} overlaps the header or is negative";
        if (InitramfsSize < 0 || InitramfsOffset < KernelOffset + KernelSize) return $"initramfs extent {InitramfsOffset}+{InitramfsSize} overlaps the kernel";
        if (KernelOffset % Size != 0 || InitramfsOffset % Size != 0) return "payload offsets are not 4096-aligned";
        return null;
    }

    private void Validate()
    {
        if (KernelSha256.Length != 32 || InitramfsSha256.Length != 32 || ManifestDigest.Length != 32)
            throw new ArgumentException("digests must be 32-byte SHA-256 values");
        if (ExtentProblem() is { } p) throw new ArgumentException(p);
        string[] values = [ImageReference, Version, Architecture, ServiceProfile];
        for (var i = 0; i < values.Length; i++)
            if (Encoding.UTF8.GetByteCount(values[i]) > StringFields[i].Capacity)
                throw new ArgumentException($"slot header field {i} ('{values[i]}') is longer than {StringFields[i].Capacity} UTF-8 bytes");
        if (ConfigFeatures is { } fs && (fs.Any(f => f.Length == 0 || f.Contains(',')) || Encoding.UTF8.GetByteCount(string.Join(',', fs)) > ConfigFeaturesCapacity))
            throw new ArgumentException($"config features must be non-empty names without commas, at most {ConfigFeaturesCapacity} UTF-8 bytes together");
    }

    private static void WriteExtent(Span<byte> s, long offset, long size, byte[] sha)
    {
        BinaryPrimitives.WriteInt64BigEndian(s, offset);
        BinaryPrimitives.WriteInt64BigEndian(s[8..], size);
        sha.CopyTo(s[16..]);
    }

    private static long ReadI64(ReadOnlySpan<byte> b, int off) => BinaryPrimitives.ReadInt64BigEndian(b[off..]);
}
