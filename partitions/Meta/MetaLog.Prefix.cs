using System.Buffers;
using System.Buffers.Binary;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    /// <summary>First read of an active region; grown (doubled) while the records go on past it.</summary>
    private const int FirstPrefixRead = 64 * 1024;

    /// <summary>Chunk in which the rest of a region is read to check that it is zero (not kept).</summary>
    private const int TailChunk = 64 * 1024;

    /// <summary>
    /// The active region, loaded by its used part only when that is provably the same as loading it whole: the
    /// checkpoint is valid, the scan of the prefix ends cleanly with at least one zero sector after the last record,
    /// and every byte of the region after the prefix reads as zero. Anything else (damage, trailing data, an unreadable
    /// sector, a log filling most of the region) loads the whole region, so recovery sees exactly what it always saw.
    /// </summary>
    /// <remarks>
    /// Why: a power-on read and kept a whole region (2 MiB on a Talos disk) however short the log, and scanned every
    /// byte of it: most of the boot's I/O and allocation for a young log (issue #11). The tail is still read and
    /// checked (a torn or misdirected write anywhere in the region is found as before), but not kept in memory;
    /// appends grow the in-memory region as the log grows.
    /// </remarks>
    private (byte[] Region, RegionScanner.Result? Scan) ReadActiveRegion(Superblock sb, long start)
    {
        var unreadableBefore = _unreadableSectors;
        var prefix = ReadUsedPrefix(start, sb.RegionLength);
        if (prefix.Length < sb.RegionLength && CleanPrefixScan(prefix, sb, start) is { } scan) return (prefix, scan);
        _unreadableSectors = unreadableBefore;   // read again whole: count each unreadable sector once
        var region = GC.AllocateUninitializedArray<byte>((int)sb.RegionLength);   // ReadTolerant defines every byte
        ReadTolerant(start, region);
        return (region, null);
    }

    private RegionScanner.Result? CleanPrefixScan(byte[] prefix, Superblock sb, long start)
    {
        if (CheckpointHeader.TryDecode(prefix, out var cp) != CheckpointStatus.Valid || cp!.Generation != sb.Generation
            || cp.FirstSequence == 0 || cp.FirstSequence > cp.CheckpointSequence + 1)
            return null;
        var scan = RegionScanner.Scan(prefix, cp.BlockLength(_sector), _sector, cp.FirstSequence, cp.FirstPreviousHash, start);
        if (scan.Reason != TruncationReason.None || AlignUp(scan.ValidEnd) + _sector > prefix.Length) return null;
        return TailIsZero(start + prefix.Length, sb.RegionLength - prefix.Length) ? scan : null;
    }

    // Reads a prefix of the region that holds the checkpoint block, every record frame and one sector after them,
    // judged by a cheap walk of magics and length fields (the scan verifies them afterwards).
    private byte[] ReadUsedPrefix(long start, long regionLength)
    {
        // Uninitialized: ReadTolerant defines every byte (read, or 0xFF for an unreadable sector).
        var buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(regionLength, FirstPrefixRead));
        ReadTolerant(start, buffer);
        while (buffer.Length < regionLength)
        {
            var need = UsedEnd(buffer);
            if (need <= buffer.Length) return buffer;
            var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(regionLength, Math.Max(AlignUp(need), 2L * buffer.Length)));
            buffer.CopyTo(grown, 0);
            ReadTolerant(start + buffer.Length, grown.AsSpan(buffer.Length));
            buffer = grown;
        }
        return buffer;
    }

    // Bytes of the region the records seem to use plus one sector; more than region.Length when the walk ran off the end.
    private long UsedEnd(ReadOnlySpan<byte> region)
    {
        if (!region.StartsWith(CheckpointHeader.Magic)) return 0;   // not a checkpoint: the whole-region path reports it
        var snapshot = BinaryPrimitives.ReadInt32BigEndian(region[12..]);
        if (snapshot < 0) return 0;
        var pos = AlignUp(CheckpointHeader.FixedSize + (long)snapshot);
        while (pos + RecordFrame.HeaderSize <= region.Length)
        {
            var rest = region[(int)pos..];
            if (RecordFrame.HasMagic(rest))
            {
                var len = RecordFrame.Length(rest);
                if (len < RecordFrame.Overhead) return AlignUp(pos) + _sector;
                pos += len;
            }
            else if (pos % _sector == 0) return pos + _sector;
            else pos = AlignUp(pos);
        }
        return Math.Max(pos + RecordFrame.HeaderSize, (long)region.Length + 1);
    }

    /// <summary>
    /// How much of the inactive region at <paramref name="start"/> a checkpoint must write so that everything after
    /// its own bytes is zero: the part the old content used, when every byte after it reads as zero; else the whole
    /// region (damage, trailing bytes or an unreadable sector: rewriting it all also heals them).
    /// </summary>
    /// <remarks>
    /// Why: a checkpoint wrote the whole region (2 MiB) however little it held; with the record-count trigger
    /// (<see cref="MetaLogOptions.CheckpointEveryRecords"/>) checkpoints are frequent, and on flash every written byte
    /// counts. Reading the old region is cheaper than writing it (issue #11).
    /// </remarks>
    private long DirtyExtent(long start, long regionLength)
    {
        var unreadable = _unreadableSectors;   // counts what loading the active region met; this is the other one
        var prefix = ReadUsedPrefix(start, regionLength);
        var extent = prefix.Length < regionLength && TailIsZero(start + prefix.Length, regionLength - prefix.Length) ? prefix.Length : regionLength;
        _unreadableSectors = unreadable;
        return extent;
    }

    // Reads only what the device says may hold data (IDataExtents: never-written pages, file holes are skipped); an
    // unreadable sector is always "may hold data", so it is met and counted exactly as a full read would.
    private bool TailIsZero(long offset, long length)
    {
        var end = offset + length;
        byte[]? chunk = null;
        try
        {
            for (var at = offset; at < end;)
            {
                if (!DataExtents.TryFindData(_dev, at, end, out var dataStart, out var dataEnd)) return true;
                chunk ??= ArrayPool<byte>.Shared.Rent(TailChunk);
                for (at = dataStart; at < dataEnd;)
                {
                    var span = chunk.AsSpan(0, (int)Math.Min(TailChunk, dataEnd - at));
                    ReadTolerant(at, span);
                    if (span.ContainsAnyExcept((byte)0)) return false;
                    at += span.Length;
                }
            }
            return true;
        }
        finally
        {
            if (chunk is not null) ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    // Appends write into the in-memory region: grow it (a new array, published under the lock, so readers holding the
    // old one keep a consistent prefix) until it holds byte end, at most the region length.
    private void EnsureRegionCapacity(long end)
    {
        if (end <= _region.Length) return;
        var grown = new byte[(int)Math.Min(_sb.RegionLength, Math.Max(AlignUp(end), 2L * _region.Length))];
        lock (_lock)
        {
            _region.AsSpan(0, (int)_writePos).CopyTo(grown);
            _region = grown;
        }
    }
}
