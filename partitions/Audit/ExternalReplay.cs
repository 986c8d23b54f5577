using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Core.Events;
using Talos.Core.State;

namespace Talos.Partitions.Audit;

/// <summary>The replay of records kept outside META.</summary>
/// <param name="LastSequence">Sequence of the last record (0 when none).</param>
/// <param name="LastHash">Hash of the last record (zeros when none).</param>
/// <param name="FinalState">Fold of every decodable payload, from the initial state.</param>
/// <param name="Timeline">Notable events.</param>
/// <param name="Problems">Gaps, broken or altered links, undecodable payloads.</param>
public sealed record ExternalReplayResult(long LastSequence, string LastHash, NodeState FinalState, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<AuditProblem> Problems);

/// <summary>Replays records kept outside META (fleet store rows, exports) with the same checks and fold as an offline disk audit.</summary>
public static class ExternalReplay
{
    /// <summary>Checks every link, decodes every payload strictly and folds them in order.</summary>
    public static ExternalReplayResult Run(IEnumerable<ExternalRecord> records) => Run(records, null);

    /// <summary>
    /// As <see cref="Run(IEnumerable{ExternalRecord})"/>, continuing from <paramref name="start"/> when the records
    /// begin after a checkpoint (a compacted node log): the chain starts at the start's link, and only records after
    /// the checkpoint are folded onto its snapshot.
    /// </summary>
    public static ExternalReplayResult Run(IEnumerable<ExternalRecord> records, ExternalStart? start)
    {
        ArgumentNullException.ThrowIfNull(records);
        var problems = new List<AuditProblem>();
        var events = new List<NodeEvent>();
        var prevSeq = start?.PreviousSequence ?? 0;
        var prevHash = start?.PreviousHash ?? ChainCheck.ZeroHash;
        var folded = start?.CheckpointSequence ?? 0;
        foreach (var r in records)
        {
            if (ChainCheck.Link(prevSeq, prevHash, r) is { } p) problems.Add(p);
            try
            {
                var e = EventCodec.Decode(r.Payload, checked((ushort)r.Type));
                if ((long)e.Sequence != r.Sequence) problems.Add(new(AuditSeverity.Error, "sequence", (ulong)r.Sequence, $"the event inside record {r.Sequence} says sequence {e.Sequence}"));
                else if ((ulong)r.Sequence > folded) events.Add(e);
                if (DamageFinding.Of(e, (ulong)r.Sequence) is { } damaged) problems.Add(damaged);
            }
            catch (Exception ex) when (ex is EventDecodeException or OverflowException)
            {
                problems.Add(new(AuditSeverity.Error, "decode", (ulong)r.Sequence, ex.Message));
            }
            prevSeq = r.Sequence;
            prevHash = r.Hash;
        }
        var initial = start?.State ?? NodeState.Initial;
        return new ExternalReplayResult(prevSeq, prevHash, NodeState.Replay(initial, events), TimelineBuilder.Build(initial, events), problems);
    }
}

/// <summary>Where a replay of a compacted log starts.</summary>
/// <param name="State">The checkpoint snapshot's state.</param>
/// <param name="CheckpointSequence">Last record folded into <paramref name="State"/>.</param>
/// <param name="PreviousSequence">Sequence before the first record given.</param>
/// <param name="PreviousHash">Hash the first record given links to.</param>
public sealed record ExternalStart(NodeState State, ulong CheckpointSequence, long PreviousSequence, string PreviousHash);
