using System.Buffers.Binary;
using System.Text;

namespace Talos.Machined.Etcd;

/// <summary>One etcd member as upstream's EtcdMemberList reports it (one peer and one client URL each here).</summary>
/// <param name="Id">Member id (a uint64, printed in hex by talosctl).</param>
/// <param name="Name">The node's hostname.</param>
/// <param name="PeerUrl"><c>https://&lt;ip&gt;:2380</c>.</param>
/// <param name="ClientUrl"><c>https://&lt;ip&gt;:2379</c>.</param>
/// <param name="IsLearner">True until the joining member has caught up and been promoted to a voter.</param>
public sealed record EtcdMemberInfo(ulong Id, string Name, string PeerUrl, string ClientUrl, bool IsLearner);

/// <summary>
/// The simulated etcd's whole replicated state, as every member keeps it on its EPHEMERAL partition (document
/// <c>etcd/data</c> of the crash-safe store) and as a snapshot carries it. Binary layout, big-endian
/// (specs/formats/etcd-data.md):
/// <code>
/// off len  field
///   0   4  magic "TNED"
///   4   2  version = 1
///   6   2  reserved = 0
///   8   8  cluster id
///  16   8  revision (+1 per committed change)
///  24   8  leader member id
///  32   8  term (+1 per leadership change)
///  40   4  member count M
///  44   4  key count K
///  48   …  M members, ascending id: id u64, flags u8 (bit 0 learner), name, peer url, client url (each u16 length + UTF-8)
///   …   …  K keys, ascending ordinal: key (u16 length + UTF-8), value (u32 length + bytes)
/// </code>
/// Nothing may follow the last key. Decoding checks every length, the order and uniqueness of ids and keys.
/// </summary>
public sealed record EtcdData(ulong ClusterId, ulong Revision, ulong LeaderId, ulong Term,
    IReadOnlyList<EtcdMemberInfo> Members, IReadOnlyDictionary<string, byte[]> Keys)
{
    /// <summary>The magic at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "TNED"u8;

    /// <summary>The only version written and read.</summary>
    public const ushort Version = 1;

    /// <summary>Size of the fixed header.</summary>
    public const int HeaderSize = 48;

    /// <summary>Voting members (not learners).</summary>
    public IReadOnlyList<EtcdMemberInfo> Voters => Members.Where(m => !m.IsLearner).ToList();

    /// <summary>The member whose peer URL is <paramref name="peerUrl"/>, or null.</summary>
    public EtcdMemberInfo? ByPeerUrl(string peerUrl) => Members.FirstOrDefault(m => m.PeerUrl == peerUrl);

    /// <summary>The member <paramref name="id"/>, or null.</summary>
    public EtcdMemberInfo? ById(ulong id) => Members.FirstOrDefault(m => m.Id == id);

    /// <summary>A copy with the next revision and the given members/keys/leader (null keeps the current one).</summary>
    public EtcdData Next(IEnumerable<EtcdMemberInfo>? members = null, IReadOnlyDictionary<string, byte[]>? keys = null, ulong? leader = null) =>
        this with
        {
            Revision = Revision + 1,
            Members = (members ?? Members).OrderBy(m => m.Id).ToList(),
            Keys = keys ?? Keys,
            LeaderId = leader ?? LeaderId,
            Term = leader is { } l && l != LeaderId ? Term + 1 : Term,
        };

    /// <summary>The canonical encoding (deterministic: members by id, keys by ordinal order).</summary>
    public byte[] Encode()
    {
        using var ms = new MemoryStream();
        Span<byte> head = stackalloc byte[HeaderSize];
        Magic.CopyTo(head);
        BinaryPrimitives.WriteUInt16BigEndian(head[4..], Version);
        BinaryPrimitives.WriteUInt64BigEndian(head[8..], ClusterId);
        BinaryPrimitives.WriteUInt64BigEndian(head[16..], Revision);
        BinaryPrimitives.WriteUInt64BigEndian(head[24..], LeaderId);
        BinaryPrimitives.WriteUInt64BigEndian(head[32..], Term);
        var members = Members.OrderBy(m => m.Id).ToList();
        var keys = Keys.OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        BinaryPrimitives.WriteUInt32BigEndian(head[40..], (uint)members.Count);
        BinaryPrimitives.WriteUInt32BigEndian(head[44..], (uint)keys.Count);
        ms.Write(head);
        Span<byte> n = stackalloc byte[8];
        foreach (var m in members)
        {
            BinaryPrimitives.WriteUInt64BigEndian(n, m.Id);
            ms.Write(n);
            ms.WriteByte(m.IsLearner ? (byte)1 : (byte)0);
            WriteString(ms, m.Name);
            WriteString(ms, m.PeerUrl);
            WriteString(ms, m.ClientUrl);
        }
        foreach (var (key, value) in keys)
        {
            WriteString(ms, key);
            BinaryPrimitives.WriteUInt32BigEndian(n, (uint)value.Length);
            ms.Write(n[..4]);
            ms.Write(value);
        }
        return ms.ToArray();
    }

    /// <summary>Decodes and validates <paramref name="bytes"/>.</summary>
    /// <exception cref="EtcdDataCorruptException">Any check fails (the reason names the offset).</exception>
    public static EtcdData Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize) throw new EtcdDataCorruptException($"{bytes.Length} bytes is shorter than the {HeaderSize}-byte header");
        if (!bytes[..4].SequenceEqual(Magic)) throw new EtcdDataCorruptException("bad magic at offset 0 (expected \"TNED\")");
        var version = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        if (version != Version) throw new EtcdDataCorruptException($"unsupported version {version} at offset 4");
        var r = new Reader(bytes, HeaderSize);
        var memberCount = BinaryPrimitives.ReadUInt32BigEndian(bytes[40..]);
        var keyCount = BinaryPrimitives.ReadUInt32BigEndian(bytes[44..]);
        if (memberCount > 4096 || keyCount > 1_000_000) throw new EtcdDataCorruptException($"implausible counts ({memberCount} members, {keyCount} keys)");
        var members = new List<EtcdMemberInfo>();
        for (var i = 0; i < memberCount; i++)
        {
            var id = r.U64();
            var flags = r.U8();
            if (flags > 1) throw new EtcdDataCorruptException($"member {i}: unknown flags 0x{flags:x2}");
            var m = new EtcdMemberInfo(id, r.Str(), r.Str(), r.Str(), flags == 1);
            if (members.Count > 0 && members[^1].Id >= id) throw new EtcdDataCorruptException($"member {i}: ids are not strictly ascending");
            members.Add(m);
        }
        var keys = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        string? last = null;
        for (var i = 0; i < keyCount; i++)
        {
            var key = r.Str();
            if (last is not null && string.CompareOrdinal(last, key) >= 0) throw new EtcdDataCorruptException($"key {i}: keys are not strictly ascending");
            keys[key] = r.Bytes((int)Math.Min(r.U32(), int.MaxValue));
            last = key;
        }
        if (r.Offset != bytes.Length) throw new EtcdDataCorruptException($"{bytes.Length - r.Offset} unexpected bytes after the last key at offset {r.Offset}");
        return new EtcdData(BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[32..]), members, keys);
    }

    private static void WriteString(Stream s, string value)
    {
        var b = Encoding.UTF8.GetBytes(value);
        if (b.Length > ushort.MaxValue) throw new ArgumentException($"\"{value[..16]}…\" is longer than 65535 UTF-8 bytes");
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)b.Length);
        s.Write(len);
        s.Write(b);
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, int offset)
    {
        private readonly ReadOnlySpan<byte> _b = bytes;
        public int Offset { get; private set; } = offset;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || Offset + n > _b.Length) throw new EtcdDataCorruptException($"truncated at offset {Offset} (needs {n} more bytes)");
            var s = _b.Slice(Offset, n);
            Offset += n;
            return s;
        }

        public byte U8() => Take(1)[0];
        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
        public ulong U64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));
        public byte[] Bytes(int n) => Take(n).ToArray();

        public string Str()
        {
            var len = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            try { return new UTF8Encoding(false, true).GetString(Take(len)); }
            catch (DecoderFallbackException) { throw new EtcdDataCorruptException($"invalid UTF-8 before offset {Offset}"); }
        }
    }
}
