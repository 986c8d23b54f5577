using System.Buffers.Binary;
using System.Security.Cryptography;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Core.Time;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Partitions.Layout;
using Talos.Partitions.Meta;
using Talos.Upgrade.Slots;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// A node disk built with the real pieces: Talos GPT layout, the META log with real NodeEvents, slot images written
/// by the real <see cref="SlotWriter"/>. <see cref="History"/> writes an install, a config change and an upgrade that
/// fails its health check and rolls back.
/// </summary>
internal sealed class NodeDisk : IDisposable
{
    public static readonly Guid DefaultNodeId = Guid.Parse("6f1c1d1e-0000-4000-8000-00000000a001");
    private readonly VirtualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private MetaLog? _log;

    private NodeDisk(IBlockDevice disk, Guid nodeId, ulong seed)
    {
        Disk = disk;
        NodeId = nodeId;
        TalosLayout.LayOut(disk, new SeededGuidSource(seed));
    }

    public IBlockDevice Disk { get; }
    public VirtualTimeProvider Time => _time;
    public Guid NodeId { get; }
    public string DigestA { get; private set; } = "";
    public string DigestB { get; private set; } = "";

    public static NodeDisk InMemory(Guid? nodeId = null, ulong seed = 1) => new(new MemoryBlockDevice(64L << 20), nodeId ?? DefaultNodeId, seed);

    public static NodeDisk OnFile(string path, Guid? nodeId = null) => new(FileBlockDevice.Create(path, 64L << 20), nodeId ?? DefaultNodeId, 1);

    /// <summary>Options for the next <see cref="Log"/> open (default: node id only, no checkpoints).</summary>
    public MetaLogOptions? LogOptions { get; set; }

    public MetaLog Log => _log ??= MetaLog.Open(TalosLayout.OpenPartition(Disk, "META"), LogOptions ?? new MetaLogOptions { NodeId = NodeId }, _time);

    public string WriteSlot(BootSlot slot, string version, int seed)
    {
        static SlotPart Part(byte[] d) => new(() => new MemoryStream(d, writable: false), d.Length, SHA256.HashData(d));
        var k = new byte[8192 + seed];
        var i = new byte[12288];
        new Random(seed).NextBytes(k);
        new Random(seed + 1).NextBytes(i);
        var payload = new SlotPayload("ghcr.io/siderolabs/installer:" + version, version, "amd64", "healthy",
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("manifest " + version)), Part(k), Part(i));
        var r = new SlotWriter(1 << 16).Write(TalosLayout.OpenPartition(Disk, slot == BootSlot.A ? "BOOT-A" : "BOOT-B"), slot, null, payload);
        return r.ContentDigest["sha256:".Length..];
    }

    public async Task AppendAsync(string op, params Action<NodeEvent>[] payloads)
    {
        var entries = new List<LogEntry>();
        var next = Log.LastSequence + 1;
        foreach (var p in payloads)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var e = NodeEvents.Create(next++, _time, "actor-" + op, op, p);
            entries.Add(new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e)));
        }
        await Log.AppendAsync(entries);
    }

    /// <summary>20 events: install v1.9.0 on A, config, upgrade to v1.10.0 on B, health check fails, rollback to A.</summary>
    public async Task HistoryAsync(bool rollback = true)
    {
        DigestA = WriteSlot(BootSlot.A, "v1.9.0", 1);
        DigestB = WriteSlot(BootSlot.B, "v1.10.0", 2);
        await AppendAsync("op-1",
            e => e.DiskLaidOut = new() { Disk = "node.img", DiskGuid = "guid-1", SizeBytes = 64 << 20 },
            e => e.SequenceStarted = new() { Sequence = "install" },
            e => e.ImageWrittenToSlot = new() { Slot = Slot.A, Digest = DigestA, Version = "v1.9.0", ImageRef = "ghcr.io/siderolabs/installer:v1.9.0", Size = 20481 },
            e => e.TrialBootSet = new() { Slot = Slot.A, Tries = 3 },
            e => e.SequenceCompleted = new() { Sequence = "install" });
        await AppendAsync("",
            e => e.BootAttempted = new() { Slot = Slot.A, Trial = true, TriesLeft = 2 },
            e => e.Booted = new() { Slot = Slot.A, Version = "v1.9.0", MeasuredDigest = DigestA },
            e => e.BootConfirmed = new() { Slot = Slot.A, Version = "v1.9.0" },
            e => e.ConfigApplied = new() { Mode = ApplyMode.Auto, Digest = new string('c', 64), ChangedPaths = { "machine.network" } });
        await AppendAsync("op-2",
            e => e.SequenceStarted = new() { Sequence = "upgrade" },
            e => e.PhaseStarted = new() { Sequence = "upgrade", Phase = "install", Index = 1, Count = 1 },
            e => e.ImageWrittenToSlot = new() { Slot = Slot.B, Digest = DigestB, Version = "v1.10.0", ImageRef = "ghcr.io/siderolabs/installer:v1.10.0", Size = 20482 },
            e => e.TrialBootSet = new() { Slot = Slot.B, Tries = 1 },
            e => e.SequenceCompleted = new() { Sequence = "upgrade" });
        await AppendAsync("",
            e => e.BootAttempted = new() { Slot = Slot.B, Trial = true, TriesLeft = 0 },
            e => e.Booted = new() { Slot = Slot.B, Version = "v1.10.0", MeasuredDigest = DigestB },
            e => e.HealthCheckResult = new() { Check = "kubelet", Passed = !rollback, Detail = rollback ? "not ready after 5m" : "ready", Slot = Slot.B });
        if (rollback)
            await AppendAsync("",
                e => e.RolledBack = new() { From = Slot.B, To = Slot.A, Reason = RollbackReason.HealthCheckFailed, FailedChecks = { "kubelet" }, TriesUsed = 1, Detail = "health gate failed" },
                e => e.BootAttempted = new() { Slot = Slot.A },
                e => e.Booted = new() { Slot = Slot.A, Version = "v1.9.0", MeasuredDigest = DigestA });
        else
            await AppendAsync("",
                e => e.BootConfirmed = new() { Slot = Slot.B, Version = "v1.10.0" },
                e => e.ServiceStateChanged = new() { Service = "kubelet", State = ServiceState.Running, Healthy = true },
                e => e.BootstrapDone = new() { ClusterName = "c1" });
    }

    /// <summary>Closes the writer (the disk stays), so a read-only audit sees a quiescent log.</summary>
    public void CloseLog()
    {
        _log?.Dispose();
        _log = null;
    }

    /// <summary>Rewrites the payload of META record <paramref name="sequence"/> with <paramref name="edit"/> and a freshly computed CRC-32C.</summary>
    public void RewriteRecord(ulong sequence, Func<NodeEvent, NodeEvent> edit)
    {
        var meta = TalosLayout.OpenPartition(Disk, "META");
        var bytes = new byte[meta.Length];
        meta.Read(0, bytes);
        for (var off = 0; off + RecordFrame.Overhead <= bytes.Length; off++)
        {
            var span = bytes.AsSpan(off);
            if (!RecordFrame.HasMagic(span) || BinaryPrimitives.ReadUInt64BigEndian(span[12..]) != sequence) continue;
            var len = BinaryPrimitives.ReadInt32BigEndian(span[8..]);
            var old = EventCodec.Decode(span.Slice(RecordFrame.HeaderSize, len - RecordFrame.Overhead));
            var payload = EventCodec.Encode(edit(old.Clone()));
            if (payload.Length != len - RecordFrame.Overhead) throw new InvalidOperationException("the edit must keep the payload length");
            var frame = new byte[len];
            RecordFrame.Encode(frame, sequence, BinaryPrimitives.ReadInt64BigEndian(span[20..]), BinaryPrimitives.ReadUInt16BigEndian(span[6..]), payload, span.Slice(28, 32));
            frame.CopyTo(bytes, off);
            var from = off / meta.SectorSize * meta.SectorSize;
            var to = (off + len + meta.SectorSize - 1) / meta.SectorSize * meta.SectorSize;
            meta.Write(from, bytes.AsSpan(from, to - from));
            return;
        }
        throw new InvalidOperationException($"record {sequence} not found");
    }

    public void Dispose()
    {
        _log?.Dispose();
        Disk.Dispose();
    }
}
