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
    public static readonly Guid Node = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    /// <summary>Trivial fold: snapshot = u64 record count + u64 sum of payload bytes + u64 last sequence.</summary>
    public static byte[] Fold(ReadOnlyMemory<byte> previous, IEnumerable<LogRecord> records)
    {
        ulong count = 0, sum = 0, last = 0;
        if (previous.Length == 24)
        {
            count = BinaryPrimitives.ReadUInt64BigEndian(previous.Span);
            sum = BinaryPrimitives.ReadUInt64BigEndian(previous.Span[8..]);
            last = BinaryPrimitives.ReadUInt64BigEndian(previous.Span[16..]);
        }
        foreach (var r in records)
        {
            count++;
            foreach (var b in r.Payload.Span) sum += b;
            last = r.Sequence;
        }
        var snap = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(snap, count);
        BinaryPrimitives.WriteUInt64BigEndian(snap.AsSpan(8), sum);
        BinaryPrimitives.WriteUInt64BigEndian(snap.AsSpan(16), last);
        return snap;
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
