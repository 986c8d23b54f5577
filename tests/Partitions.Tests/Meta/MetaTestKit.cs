using System.Buffers.Binary;
using System.Text;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;

namespace Talos.Partitions.Tests.Meta;

/// <summary>A clock that advances one millisecond per read: deterministic timestamps.</summary>
internal sealed class SteppingTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;
    public SteppingTime() : this(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)) { }
    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}

internal static class MetaTestKit
{
    public const ushort RepairType = 0xFFF0;
    public const ushort DropType = 0xFFF1;
    public static readonly Guid Node = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    /// <summary>Trivial fold: snapshot = u64 record count + u64 last sequence + a running SHA-256 over (type, payload).</summary>
    public static byte[] Fold(ReadOnlyMemory<byte> previous, IEnumerable<LogRecord> records)
    {
        var snap = new byte[48];
        if (previous.Length == 48) previous.Span.CopyTo(snap);
        foreach (var r in records) FoldOne(snap, r.Sequence, r.EventType, r.Payload.Span);
        return snap;
    }

    /// <summary>The same fold over entries the test meant to write (the model side).</summary>
    public static byte[] FoldEntries(IEnumerable<LogEntry> entries)
    {
        var snap = new byte[48];
        ulong seq = 0;
        foreach (var e in entries) FoldOne(snap, ++seq, e.EventType, e.Payload.Span);
        return snap;
    }

    private static void FoldOne(byte[] snap, ulong seq, ushort type, ReadOnlySpan<byte> payload)
    {
        var count = BinaryPrimitives.ReadUInt64BigEndian(snap) + 1;
        BinaryPrimitives.WriteUInt64BigEndian(snap, count);
        BinaryPrimitives.WriteUInt64BigEndian(snap.AsSpan(8), seq);
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(snap.AsSpan(16, 32));
        Span<byte> t = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(t, type);
        h.AppendData(t);
        h.AppendData(payload);
        h.GetHashAndReset(snap.AsSpan(16, 32));
    }

    public static LogEntry RepairEvent(RecoveryReport r) =>
        new(RepairType, Encoding.UTF8.GetBytes($"repair {r.Reason} {r.BytesDiscarded} after {r.LastValidSequence}"));

    public static MetaLogOptions Options(bool folder = true, bool force = false, bool repairEvents = true) => new()
    {
        NodeId = Node,
        SnapshotFolder = folder ? Fold : null,
        RepairEventFactory = repairEvents ? RepairEvent : null,
        ForceDropUnmirrored = force,
    };

    public static LogEntry Entry(int i, int size = 24)
    {
        var p = new byte[size];
        for (var k = 0; k < size; k++) p[k] = (byte)(i * 31 + k);
        return new LogEntry((ushort)(i % 50 + 1), p);
    }

    public static MetaLog Open(IBlockDevice dev, MetaLogOptions? o = null) => MetaLog.Open(dev, o ?? Options(), new SteppingTime());

    /// <summary>Checks the chain of every record read back, independently of the log's own scan.</summary>
    public static void AssertChain(IReadOnlyList<LogRecord> records)
    {
        for (var i = 1; i < records.Count; i++)
        {
            Assert.Equal(records[i - 1].Sequence + 1, records[i].Sequence);
            Assert.True(records[i - 1].Hash.Span.SequenceEqual(records[i].PreviousHash.Span), $"chain broken at {records[i].Sequence}");
        }
    }

    public static MemoryBlockDevice Copy(MemoryBlockDevice d) => new(d.Bytes, d.SectorSize);
}
