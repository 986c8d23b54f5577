using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using Talos.Sequencer.Running;

namespace Talos.Simulation.Tests;

/// <summary>
/// Media faults on top of power loss (issue #11): a crash may also misdirect one pending write (it lands at a wrong,
/// seed-chosen sector, possibly over flushed data, TigerBeetle's fault) or leave sectors that pending writes touched
/// unreadable (latent sector errors). No single disk can promise that data it was told to keep survives such faults, so
/// from the first one on, a seed's checks waive what only the medium could guarantee (acknowledged events surviving,
/// the confirmed slot's bytes, old-or-new images and configs) and keep everything the software must still guarantee:
/// power-on completes (maintenance or a boot, never an unhandled error), no record that fails its checksum or the hash
/// chain is accepted (every recovered record is byte for byte the one acknowledged at that sequence, no gaps), the
/// booted slot measures to its recorded digest (1), the fold of META equals the runtime's state (6), and the node ends
/// Running on a confirmed slot in the fault-free liveness phase (after a reinstall if the damage called for one).
/// </summary>
public sealed partial class Simulation
{
    private static readonly (string Kind, CrashModel Model)[] MediaModels =
    [
        ("misdirected write", CrashModel.Harsh),
        ("read errors", new CrashModel { TornSectorGarbage = true, ReadErrorsInPendingWrites = 2 }),
    ];

    private bool _mediaDamaged;

    /// <summary>With <see cref="SimOptions.MediaFaultProbability"/>, swaps the crash model for a media-fault one; returns its kind.</summary>
    private string? MaybeMediaFault(ref CrashModel model)
    {
        if (_o.MediaFaultProbability <= 0 || !_rng.Chance(_o.MediaFaultProbability)) return null;
        var (kind, m) = _rng.Pick(MediaModels);
        model = m;
        report.Fault(kind);
        return kind;
    }

    /// <summary>4 (what survives media damage): the recovered log has no gap and every record in it is the acknowledged one.</summary>
    private void CheckAfterMediaFault(IReadOnlyList<LogRecord> recovered)
    {
        report.Checked(4);
        for (var i = 1; i < recovered.Count; i++)
            if (recovered[i].Sequence != recovered[i - 1].Sequence + 1)
                throw new InvariantViolation(4, $"after a media fault the recovered log has a gap: {recovered[i - 1].Sequence} then {recovered[i].Sequence}");
        foreach (var r in recovered)
            if (_node.Acked.TryGetValue(r.Sequence, out var acked) && !r.Payload.Span.SequenceEqual(acked))
                throw new InvariantViolation(4, $"after a media fault record {r.Sequence} was accepted with content that was never acknowledged at that sequence");
    }

    /// <summary>
    /// 7: an upgrade whose image download broke half way fails with the source's error (the node then settles on its
    /// confirmed image: the settled checks 2 and 3 see to that), and is counted by how far it got.
    /// </summary>
    private void CheckSourceFailure(RunResult? result, Exception? error)
    {
        report.Checked(7);
        if (result is not RunResult.Failed)
            throw new InvariantViolation(7, $"an upgrade from a source that broke mid-download ended {result?.ToString() ?? "without a result"}, not failed");
        var midStream = error?.ToString().Contains("connection reset by " + FlakyRegistry.Host, StringComparison.Ordinal) == true;
        report.Fault(midStream ? "image source: failed mid-download" : "image source: failed before the download");
    }

    /// <summary>The settled checks that hold whatever the medium lost: 1, 6 and 7.</summary>
    private void CheckSettledAfterMediaFault()
    {
        Invariants.SlotDigest(_node, report);
        Invariants.FoldEqualsState(_node, report, _memo);
        Invariants.NoAnomalies(_node, report);
    }
}
