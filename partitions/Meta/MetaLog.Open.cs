using System.Buffers;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    /// <summary>Smallest partition the log accepts (two superblocks plus two useful regions).</summary>
    public const long MinimumPartitionLength = 64 * 1024;

    /// <summary>
    /// Opens (and recovers) the log on <paramref name="partition"/>, creating it when both superblock sectors are zero.
    /// Recovery cuts a torn or unverifiable tail, zeroes it, rewrites a stale superblock copy and appends the repair
    /// event from <see cref="MetaLogOptions.RepairEventFactory"/>; opening again then finds a clean log (idempotent).
    /// Damage in the middle of the log (<see cref="RecoveryOutcome.Damaged"/>) is never cut: the damaged bytes stay in
    /// place, the records after them are kept, the repair event is appended after the highest sequence seen, and (with a
    /// <see cref="MetaLogOptions.SnapshotFolder"/>) a quarantine checkpoint continues in the other region from the first
    /// record after the damage, leaving the damaged region untouched until the checkpoint after that.
    /// </summary>
    /// <exception cref="MetaLogCorruptException">Not empty and not a log (e.g. random bytes); nothing is written.</exception>
    /// <exception cref="MetaLogUnsupportedVersionException">Written by a newer format; nothing is written.</exception>
    public static MetaLog Open(IBlockDevice partition, MetaLogOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        var log = new MetaLog(partition, options, time, readOnly: false);
        log.Load();
        try
        {
            if (log.Recovery.Reason != TruncationReason.None && options.RepairEventFactory is { } factory)
                log.AppendAsync([factory(log.Recovery)]).AsTask().GetAwaiter().GetResult();
            // Mid-log damage: the repair event went after the damage (in the damaged region); the quarantine checkpoint now
            // continues in the other region from the first record after the damage, so the next open is clean
            // (idempotent) and the damaged region stays untouched until the checkpoint after this one (issue #22).
            // Forced: the records before the damage cannot be carried across it; what that drops is recorded.
            if (log.Recovery.Damage is not null && options.SnapshotFolder is not null)
                log.CheckpointAsync(forceDropUnmirrored: true).AsTask().GetAwaiter().GetResult();
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a captured image (or a live partition) for audit: the same verification as <see cref="Open"/>, but the
    /// device is wrapped so that no write or flush can ever reach it. Damage is reported in <see cref="Recovery"/>.
    /// </summary>
    public static MetaLog OpenReadOnly(IBlockDevice image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var log = new MetaLog(new ReadOnlyBlockDevice(image), new MetaLogOptions(), TimeProvider.System, readOnly: true);
        log.Load();
        return log;
    }

    private void Load()
    {
        if (_dev.Length < MinimumPartitionLength)
            throw new MetaLogCorruptException($"partition of {_dev.Length} bytes is smaller than the minimum {MinimumPartitionLength}");
        if (Superblock.Layout(_dev.Length, _sector).RegionLength > 1L << 30)
            throw new ArgumentException($"a {_dev.Length}-byte partition gives regions over 1 GiB; the log keeps its active region in memory, so META must be at most 2 GiB", nameof(_dev));
        var sectors = new byte[2 * _sector];
        ReadTolerant(0, sectors);
        var sa = Superblock.TryDecode(sectors.AsSpan(0, _sector), out var a);
        var sbB = Superblock.TryDecode(sectors.AsSpan(_sector, _sector), out var b);
        if (sa == SuperblockStatus.UnknownVersion || sbB == SuperblockStatus.UnknownVersion)
            throw new MetaLogUnsupportedVersionException("superblock", sa == SuperblockStatus.UnknownVersion ? 0 : _sector, sectors[sa == SuperblockStatus.UnknownVersion ? 9 : _sector + 9]);
        var best = (a, b) switch
        {
            (null, null) => null,
            (null, _) => b,
            (_, null) => a,
            _ => a!.Generation >= b!.Generation ? a : b,
        };
        if (best is null)
        {
            if ((sa == SuperblockStatus.Zero && sbB == SuperblockStatus.Zero) || IsInterruptedCreation()) { Create(); return; }
            throw new MetaLogCorruptException($"no valid superblock (copy A {sa}, copy B {sbB}) and the partition is not zeroed");
        }
        CheckGeometry(best);
        var stale = a is null || b is null || a.Generation != b.Generation || a != b;
        LoadRegion(best, stale);
    }

    private void CheckGeometry(Superblock sb)
    {
        var (off, len) = Superblock.Layout(_dev.Length, _sector);
        if (sb.SectorSize != _sector || sb.PartitionLength != _dev.Length || sb.RegionOffset != off || sb.RegionLength != len)
            throw new MetaLogCorruptException($"superblock geometry (sector {sb.SectorSize}, length {sb.PartitionLength}, regions {sb.RegionOffset}+2x{sb.RegionLength}) does not match the partition (sector {_sector}, length {_dev.Length})");
    }

    // A crash while creating leaves region 0's initial checkpoint without any valid superblock. That exact state
    // (generation 1, nothing folded, no record) is safe to create over; anything else is refused.
    private bool IsInterruptedCreation()
    {
        var (off, len) = Superblock.Layout(_dev.Length, _sector);
        var region = GC.AllocateUninitializedArray<byte>((int)len);   // ReadTolerant defines every byte
        ReadTolerant(off, region);
        if (CheckpointHeader.TryDecode(region, out var cp) != CheckpointStatus.Valid) return false;
        return cp!.Generation == 1 && cp.CheckpointSequence == 0 && cp.FirstSequence == 1 && cp.Snapshot.Length == 0
            && !region.AsSpan(cp.BlockLength(_sector)).ContainsAnyExcept((byte)0);
    }

    private void Create()
    {
        var (off, len) = Superblock.Layout(_dev.Length, _sector);
        var zeros = new byte[32];
        var cp = new CheckpointHeader(1, 0, zeros, 1, zeros, 0, 0, 0, zeros, []);
        var sb = new Superblock(1, _opt.NodeId, _sector, _dev.Length, off, len, 0);
        if (_readOnly)
        {
            // Nothing is written; memory holds only the checkpoint block (it is never appended to).
            InstallCreated(sb, cp);
            Recovery = new RecoveryReport(RecoveryOutcome.Created, TruncationReason.None, 0, -1, 0, false, "zeroed partition: empty log (read-only, nothing created)");
            return;
        }
        // The whole region is written (zeros after the checkpoint) from a pooled buffer; memory keeps only the
        // checkpoint block, as after a prefix load (appends grow it): a fresh 2 MiB array per creation was the
        // simulation's largest allocation on power-on (issue #11).
        var buffer = ArrayPool<byte>.Shared.Rent((int)len);
        try
        {
            var region = buffer.AsSpan(0, (int)len);
            region.Clear();
            cp.Encode(region);
            _dev.Write(off, region);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
        _dev.Flush();
        WriteSuperblocks(sb);
        InstallCreated(sb, cp);
        Recovery = new RecoveryReport(RecoveryOutcome.Created, TruncationReason.None, 0, -1, 0, false, "zeroed partition: created an empty log");
    }

    private void InstallCreated(Superblock sb, CheckpointHeader cp)
    {
        var block = new byte[cp.BlockLength(_sector)];
        cp.Encode(block);
        Install(sb, cp, block, new RegionScanner.Result([], 0, block.Length, new byte[32], TruncationReason.None, 0, ""));
    }

    private void LoadRegion(Superblock sb, bool staleCopy)
    {
        var start = sb.RegionStart(sb.ActiveRegion);
        var (region, clean) = ReadActiveRegion(sb, start);
        var st = CheckpointHeader.TryDecode(region, out var cp);
        if (st == CheckpointStatus.UnknownVersion) throw new MetaLogUnsupportedVersionException("checkpoint", start, region[9]);
        if (st != CheckpointStatus.Valid) throw new MetaLogCorruptException($"the checkpoint of active region {sb.ActiveRegion} (byte {start}) is damaged");
        if (cp!.Generation != sb.Generation)
            throw new MetaLogCorruptException($"the checkpoint of region {sb.ActiveRegion} has generation {cp.Generation}, the superblock {sb.Generation}");
        if (cp.FirstSequence == 0 || cp.FirstSequence > cp.CheckpointSequence + 1)
            throw new MetaLogCorruptException($"checkpoint first sequence {cp.FirstSequence} is inconsistent with checkpoint sequence {cp.CheckpointSequence}");
        var dataStart = cp.BlockLength(_sector);
        var scan = clean ?? RegionScanner.Scan(region, dataStart, _sector, cp.FirstSequence, cp.FirstPreviousHash, start);
        var lastSeq = cp.FirstSequence + (ulong)scan.Count - 1 + scan.GapSkip;
        if (lastSeq < cp.CheckpointSequence)
            throw new MetaLogCorruptException($"region {sb.ActiveRegion} ends at record {lastSeq} but its checkpoint covers {cp.CheckpointSequence}: carried-over records are damaged");
        var discarded = scan.GarbageEnd - scan.ValidEnd;
        if (!_readOnly && discarded > 0)
        {
            // Zero the discarded bytes (in memory and on disk) so the next open finds a clean end: idempotent recovery.
            region.AsSpan((int)scan.ValidEnd, (int)discarded).Clear();
            var from = scan.ValidEnd / _sector * _sector;
            _dev.Write(start + from, region.AsSpan((int)from, (int)(AlignUp(scan.GarbageEnd) - from)));
            _dev.Flush();
        }
        if (!_readOnly && staleCopy) WriteSuperblocks(sb);
        Install(sb, cp, region, scan);
        var mismatch = CheckpointLinkMismatch(cp);
        var unreadable = (_unreadableSectors > 0 ? $"; {_unreadableSectors} unreadable sector(s) read as damaged" : "") + (mismatch is null ? "" : "; " + mismatch);
        if (scan.Damage is { } damage)
        {
            // Nothing discarded (discarded is 0: the tail after the kept records is clean); LastValidSequence is the last
            // record before the damage.
            Recovery = new RecoveryReport(RecoveryOutcome.Damaged, scan.Reason, 0, -1, damage.FromSequence - 1, staleCopy, scan.Detail + unreadable)
            { Damage = damage, CheckpointMismatch = mismatch };
            return;
        }
        Recovery = new RecoveryReport(
            scan.Reason == TruncationReason.None ? RecoveryOutcome.Clean : RecoveryOutcome.Truncated, scan.Reason, discarded,
            discarded > 0 ? start + scan.ValidEnd : -1, lastSeq, staleCopy,
            (scan.Reason == TruncationReason.None ? $"clean log, {scan.Count} records in region {sb.ActiveRegion}" : $"{scan.Detail}; {discarded} bytes discarded after record {lastSeq}")
            + unreadable) { CheckpointMismatch = mismatch };
    }

    private void Install(Superblock sb, CheckpointHeader cp, byte[] region, RegionScanner.Result scan)
    {
        lock (_lock)
        {
            _sb = sb;
            _cp = cp;
            _region = region;
            _offsets = scan.Offsets;
            _count = scan.Count;
            _firstSeq = cp.FirstSequence;
            _lastHash = scan.LastHash;
            _writePos = AlignUp(scan.ValidEnd);
            _mirrored = cp.MirroredSequence;
            _gapIndex = scan.GapIndex;
            _gapSkip = scan.GapSkip;
            _gapHash = scan.GapHash ?? [];
        }
    }

    // Both copies carry the same generation once this returns; one is written and flushed before the other, so a
    // crash leaves at least one valid copy of either the old or the new superblock.
    private void WriteSuperblocks(Superblock sb)
    {
        var sector = new byte[_sector];
        sb.Encode(sector);
        var first = (int)(sb.Generation % 2);
        _dev.Write(first * _sector, sector);
        _dev.Flush();
        _dev.Write((1 - first) * _sector, sector);
        _dev.Flush();
    }
}
