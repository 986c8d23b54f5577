using System.Text;
using Talos.Partitions.Devices;

namespace Talos.Partitions.State;

/// <summary>
/// The crash-safe document store on STATE (issue 5, format in specs/formats/state-store.md): a small set of named
/// documents (e.g. "config" for the machine config, "pki" for the PKI bundle) written together as one unit. Two
/// slots, each half the partition, hold whole versions with a generation and checksums; a write goes to the slot
/// that does not hold the newest valid version, is flushed, and then wins by generation. After a crash at any point
/// a read returns the old or the new set, never a mix.
/// </summary>
/// <remarks>Single writer; calls are serialised by a lock. Documents are cached in memory after open.</remarks>
public sealed class StateStore : IDisposable
{
    private readonly IBlockDevice _dev;
    private readonly long _slotLength;
    private readonly object _lock = new();
    private SortedDictionary<string, byte[]> _docs = new(StringComparer.Ordinal);

    private StateStore(IBlockDevice dev)
    {
        _dev = dev;
        _slotLength = dev.Length / 2 / dev.SectorSize * dev.SectorSize;
    }

    /// <summary>What open found.</summary>
    public StateStoreStatus Status { get; private set; }

    /// <summary>Human-readable explanation of <see cref="Status"/>.</summary>
    public string Detail { get; private set; } = "";

    /// <summary>Generation of the current version (0 when empty).</summary>
    public ulong Generation { get; private set; }

    /// <summary>Slot holding the current version (0 or 1; -1 when empty).</summary>
    public int ActiveSlot { get; private set; } = -1;

    /// <summary>Largest encoded document set (body) a slot can hold.</summary>
    public long Capacity => _slotLength - StateSlot.HeaderSize;

    /// <summary>Largest body a store on a partition of <paramref name="partitionBytes"/> can hold (a slot is half of it).</summary>
    public static long CapacityFor(long partitionBytes, int sectorSize) => partitionBytes / 2 / sectorSize * sectorSize - StateSlot.HeaderSize;

    /// <summary>
    /// The body length a <see cref="Put"/> of a <paramref name="length"/>-byte document named <paramref name="name"/> would
    /// write (the other documents included); a Put succeeds when it is at most <see cref="Capacity"/>. Lets a caller
    /// refuse a request before it records anything (issue 22).
    /// </summary>
    public long BodyLengthWith(string name, long length)
    {
        ValidateName(name);
        lock (_lock)
            return 4 + _docs.Where(d => d.Key != name).Sum(d => StateSlot.EntryLength(d.Key, d.Value.Length)) + StateSlot.EntryLength(name, length);
    }

    /// <summary>Names of the stored documents, in ordinal order.</summary>
    public IReadOnlyList<string> Names { get { lock (_lock) return [.. _docs.Keys]; } }

    /// <summary>
    /// Opens the store. Zeroed slot headers mean an empty store; slots that are neither zero nor valid (torn first
    /// write, random bytes) give <see cref="StateStoreStatus.NoValidSlot"/> with an empty document set — the caller
    /// decides (machined enters maintenance mode). Open never writes.
    /// </summary>
    /// <exception cref="StateUnsupportedVersionException">A slot with a valid checksum has an unknown version.</exception>
    public static StateStore Open(IBlockDevice partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (partition.Length < 4L * partition.SectorSize) throw new ArgumentException("STATE partition needs at least 4 sectors", nameof(partition));
        var store = new StateStore(partition);
        store.Load();
        return store;
    }

    /// <summary>The document named <paramref name="name"/>, or null.</summary>
    public byte[]? Get(string name)
    {
        lock (_lock) return _docs.TryGetValue(name, out var d) ? d.ToArray() : null;
    }

    /// <summary>Stores or replaces one document (the whole set is rewritten atomically).</summary>
    public void Put(string name, ReadOnlySpan<byte> data)
    {
        ValidateName(name);
        lock (_lock)
        {
            var next = new SortedDictionary<string, byte[]>(_docs, StringComparer.Ordinal) { [name] = data.ToArray() };
            WriteLocked(next);
        }
    }

    /// <summary>Removes one document; returns false (and writes nothing) when it does not exist.</summary>
    public bool Delete(string name)
    {
        lock (_lock)
        {
            if (!_docs.ContainsKey(name)) return false;
            var next = new SortedDictionary<string, byte[]>(_docs, StringComparer.Ordinal);
            next.Remove(name);
            WriteLocked(next);
            return true;
        }
    }

    /// <summary>Replaces the whole document set atomically.</summary>
    public void WriteAll(IReadOnlyDictionary<string, byte[]> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        foreach (var n in documents.Keys) ValidateName(n);
        lock (_lock) WriteLocked(new SortedDictionary<string, byte[]>(documents.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), StringComparer.Ordinal));
    }

    /// <summary>Reset (fast): zeroes both slot headers and flushes. The bodies stay on disk but can no longer be read.</summary>
    public void WipeHeaders()
    {
        lock (_lock)
        {
            var zero = new byte[_dev.SectorSize];
            _dev.Write(0, zero);
            _dev.Write(_slotLength, zero);
            _dev.Flush();
            SetEmpty("wiped (headers)");
        }
    }

    /// <summary>Reset (full): zeroes the whole partition in 1 MiB writes and flushes.</summary>
    public void WipeFull()
    {
        lock (_lock)
        {
            var chunk = new byte[Math.Min(1L << 20, _dev.Length)];
            for (long off = 0; off < _dev.Length; off += chunk.Length)
                _dev.Write(off, chunk.AsSpan(0, (int)Math.Min(chunk.Length, _dev.Length - off)));
            _dev.Flush();
            SetEmpty("wiped (full)");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _dev.Dispose();

    private void Load()
    {
        var found = new (StateSlot.Status Status, ulong Gen, SortedDictionary<string, byte[]>? Docs)[2];
        for (var i = 0; i < 2; i++)
        {
            byte[] image;
            // An unreadable sector in one copy is what the second copy is for: that copy counts as lost, not the store.
            try { image = ReadSlotImage(i); }
            catch (Talos.Partitions.Devices.SectorReadException) { found[i] = (StateSlot.Status.Unreadable, 0, null); continue; }
            var st = StateSlot.TryDecode(image, out var gen, out var docs);
            if (st == StateSlot.Status.UnknownVersion) throw new StateUnsupportedVersionException(i, image[9]);
            found[i] = (st, gen, docs);
        }
        var best = -1;
        for (var i = 0; i < 2; i++)
            if (found[i].Status == StateSlot.Status.Valid && (best < 0 || found[i].Gen > found[best].Gen)) best = i;
        if (best < 0)
        {
            var zero = found.All(f => f.Status == StateSlot.Status.Zero);
            SetEmpty(zero ? "empty store" : $"no valid slot (slot 0 {found[0].Status}, slot 1 {found[1].Status}); treated as empty");
            if (!zero) Status = StateStoreStatus.NoValidSlot;
            return;
        }
        _docs = found[best].Docs!;
        Generation = found[best].Gen;
        ActiveSlot = best;
        Status = StateStoreStatus.Valid;
        Detail = $"generation {Generation} in slot {best}; other slot {found[1 - best].Status}";
    }

    /// <summary>
    /// The bytes of slot <paramref name="i"/> that matter: the header sector, plus the body its header claims (bounded
    /// by the slot). Reading only these keeps opening a large partition (EPHEMERAL) cheap: a slot is half the partition.
    /// </summary>
    private byte[] ReadSlotImage(int i)
    {
        var sector = _dev.SectorSize;
        var head = new byte[sector];
        _dev.Read(i * _slotLength, head);
        var claimed = StateSlot.HeaderSize + (long)Math.Max(0, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(12)));
        var len = Math.Min(_slotLength, (claimed + sector - 1) / sector * sector);
        if (len <= sector) return head;
        var image = new byte[len];
        _dev.Read(i * _slotLength, image);
        return image;
    }

    private void WriteLocked(SortedDictionary<string, byte[]> next)
    {
        var body = StateSlot.EncodeBody(next);
        if (body.Length > Capacity) throw new StateDocumentTooLargeException(body.Length, Capacity);
        var target = ActiveSlot < 0 ? 0 : 1 - ActiveSlot;
        var len = (StateSlot.HeaderSize + body.Length + _dev.SectorSize - 1) / _dev.SectorSize * _dev.SectorSize;
        var image = new byte[len];
        StateSlot.EncodeHeader(image, Generation + 1, body);
        body.CopyTo(image, StateSlot.HeaderSize);
        _dev.Write(target * _slotLength, image);
        _dev.Flush();
        _docs = next;
        Generation++;
        ActiveSlot = target;
        Status = StateStoreStatus.Valid;
        Detail = $"generation {Generation} in slot {target}";
    }

    private void SetEmpty(string detail)
    {
        _docs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        Generation = 0;
        ActiveSlot = -1;
        Status = StateStoreStatus.Empty;
        Detail = detail;
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > 255) throw new ArgumentException("document names are at most 255 UTF-8 bytes", nameof(name));
    }
}

/// <summary>What <see cref="StateStore.Open"/> found.</summary>
public enum StateStoreStatus
{
    /// <summary>Both slot headers are zero (new or wiped).</summary>
    Empty,
    /// <summary>A valid version was found.</summary>
    Valid,
    /// <summary>Some slot holds bytes but none is a valid version (damaged or foreign data); reads are empty.</summary>
    NoValidSlot,
}
