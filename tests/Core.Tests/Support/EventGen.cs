using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Events;

namespace Talos.Core.Tests.Support;

/// <summary>
/// FsCheck generators for event logs. Values come from small domains (2 slots, 3 digests, 3 sequence ids,
/// 3 task names, 4 META keys) so that random logs hit the interesting interactions, not just anomalies.
/// </summary>
internal static class EventGen
{
    private static readonly Gen<Slot> Slots = Gen.Elements(Slot.A, Slot.B, Slot.A, Slot.B, Slot.Unspecified);
    private static readonly Gen<string> Digests = Gen.Elements(Ev.Digest('a'), Ev.Digest('b'), Ev.Digest('c'));
    private static readonly Gen<string> Names = Gen.Elements("boot", "upgrade", "reset");
    private static readonly Gen<string> Tasks = Gen.Elements("upgrade", "kexecPrepare", "reboot");
    private static readonly Gen<uint> Small = Gen.Choose(0, 4).Select(i => (uint)i);
    private static readonly Gen<bool> Bools = Gen.Elements(true, false);

    /// <summary>A payload-only event (envelope fields filled by <see cref="Logs"/>).</summary>
    public static Gen<NodeEvent> Payload() => Gen.OneOf(
        Names.Select(n => New(e => e.SequenceStarted = new SequenceStarted { Sequence = n })),
        Names.Select(n => New(e => e.SequenceCompleted = new SequenceCompleted { Sequence = n })),
        Gen.Elements(FailureCode.Fatal, FailureCode.Locked, FailureCode.Canceled)
            .Select(c => New(e => e.SequenceFailed = new SequenceFailed { Sequence = "upgrade", Code = c, Message = "boom" })),
        Tasks.Select(t => New(e => e.PhaseStarted = new PhaseStarted { Sequence = "s", Phase = t, Index = 1, Count = 2 })),
        Tasks.Select(t => New(e => e.PhaseCompleted = new PhaseCompleted { Sequence = "s", Phase = t })),
        Tasks.Select(t => New(e => e.TaskStarted = new TaskStarted { Task = t })),
        Tasks.Select(t => New(e => e.TaskCompleted = new TaskCompleted { Task = t })),
        Tasks.Select(t => New(e => e.TaskFailed = new TaskFailed { Task = t, Code = FailureCode.Fatal })),
        Tasks.Select(t => New(e => e.SequenceResumed = new SequenceResumed { Task = t, Attempt = 2 })),
        Tasks.Select(t => New(e => e.StepCompensated = new StepCompensated { Task = t })),
        Names.Select(n => New(e => e.SequenceAbandoned = new SequenceAbandoned { Sequence = n })),
        Gen.Constant(0).Select(_ => New(e => e.OperationLocked = new OperationLocked { Requested = "upgrade", Running = "install" })),
        Gen.Constant(0).Select(_ => New(e => e.DiskLaidOut = new DiskLaidOut { Disk = "/dev/sda", DiskGuid = "g" })),
        Gen.Elements("BOOT-A", "BOOT-B", "STATE", "EPHEMERAL", "META", "EFI")
            .Select(l => New(e => e.PartitionWiped = new PartitionWiped { Label = l })),
        Slots.Zip(Digests).Select(t => New(e => e.ImageWrittenToSlot = new ImageWrittenToSlot { Slot = t.Item1, Digest = t.Item2, Version = "v1.2.3" })),
        Slots.Zip(Small).Select(t => New(e => e.TrialBootSet = new TrialBootSet { Slot = t.Item1, Tries = t.Item2 })),
        Z3(Slots, Bools, Small).Select(t => New(e => e.BootAttempted = new BootAttempted { Slot = t.Item1, Trial = t.Item2, TriesLeft = t.Item3 })),
        Slots.Zip(Digests).Select(t => New(e => e.Booted = new Booted { Slot = t.Item1, MeasuredDigest = t.Item2 })),
        Tasks.Zip(Bools).Select(t => New(e => e.HealthCheckResult = new HealthCheckResult { Check = t.Item1, Passed = t.Item2 })),
        Slots.Select(s => New(e => e.BootConfirmed = new BootConfirmed { Slot = s })),
        Z3(Slots, Slots, Gen.Elements(RollbackReason.TriesExhausted, RollbackReason.Manual, RollbackReason.HealthCheckFailed))
            .Select(t => New(e => e.RolledBack = new RolledBack { From = t.Item1, To = t.Item2, Reason = t.Item3 })),
        Slots.Select(s => New(e => e.ForensicDigestMismatch = new ForensicDigestMismatch { Area = "BOOT-" + s, Slot = s })),
        Slots.Select(s => New(e => e.MaintenanceEntered = new MaintenanceEntered { Reason = "none", Slot = s })),
        Gen.Elements(ApplyMode.Reboot, ApplyMode.Auto, ApplyMode.Staged, ApplyMode.Try).Zip(Digests)
            .Select(t => New(e => e.ConfigApplied = new ConfigApplied { Mode = t.Item1, Digest = t.Item2 })),
        Digests.Select(d => New(e => e.ConfigStaged = new ConfigStaged { Digest = d })),
        Digests.Zip(Digests).Select(t => New(e => e.ConfigTryReverted = new ConfigTryReverted { RevertedDigest = t.Item1, RestoredDigest = t.Item2 })),
        Gen.Constant(0).Select(_ => New(e => e.BootstrapDone = new BootstrapDone { ClusterName = "c" })),
        Bools.Select(p => New(e => e.NodeReset = new NodeReset { Preserve = p, LabelsWiped = { "STATE", "EPHEMERAL" } })),
        Z3(Tasks, Gen.Elements(ServiceState.Running, ServiceState.Failed), Bools)
            .Select(t => New(e => e.ServiceStateChanged = new ServiceStateChanged { Service = t.Item1, State = t.Item2, Healthy = t.Item3 })),
        Small.Select(n => New(e => e.LogRepaired = new LogRepaired { LastGoodSequence = n })),
        Small.Select(n => New(e => e.Checkpoint = new Checkpoint { UpToSequence = n })),
        Small.Select(n => New(e => e.MirrorAcknowledged = new MirrorAcknowledged { UpToSequence = n })),
        Gen.Elements(6u, 7u, 0x0cu, 300u).Zip(Gen.Elements("A", "B", "")).Select(t =>
            New(e => e.MetaKeySet = new MetaKeySet { Key = t.Item1, Value = ByteString.CopyFromUtf8(t.Item2) })),
        Gen.Elements(6u, 7u).Select(k => New(e => e.MetaKeyDeleted = new MetaKeyDeleted { Key = k })),
        Small.Select(n => New(e => e.RecordsDropped = new RecordsDropped { FromSequence = 1, ToSequence = n, Reason = "forced" })));

    /// <summary>A log: payloads with envelopes numbered 1..n (1 in 20 events repeats a number), ids from a small set.</summary>
    public static Gen<NodeEvent[]> Logs(int maxLength = 60) =>
        Gen.Choose(0, maxLength).SelectMany(n => Gen.ArrayOf(Z3(Payload(), Gen.Choose(0, 19), Gen.Elements("s1", "s2", "s3")), n))
            .Select(items =>
            {
                ulong seq = 0;
                return items.Select((t, i) =>
                {
                    var (e, dup, sid) = t;
                    var copy = e.Clone();
                    seq = dup == 0 && seq > 0 ? seq : seq + 1;
                    copy.Sequence = seq;
                    copy.SequenceId = sid;
                    copy.ActorId = "actor-" + sid;
                    copy.Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i));
                    return copy;
                }).ToArray();
            });

    public static Arbitrary<NodeEvent[]> LogArb(int maxLength = 60) =>
        Arb.From(Logs(maxLength), log => Enumerable.Range(0, log.Length).Reverse().Select(n => log.Take(n).ToArray()));

    private static Gen<(T1, T2, T3)> Z3<T1, T2, T3>(Gen<T1> a, Gen<T2> b, Gen<T3> c) =>
        a.SelectMany(x => b.SelectMany(y => c.Select(z => (x, y, z))));

    private static NodeEvent New(Action<NodeEvent> set)
    {
        var e = new NodeEvent();
        set(e);
        return e;
    }
}
