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
    public static ExternalReplayResult Run(IEnumerable<ExternalRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var problems = new List<AuditProblem>();
        var events = new List<NodeEvent>();
        long prevSeq = 0;
        var prevHash = ChainCheck.ZeroHash;
        foreach (var r in records)
        {
            if (ChainCheck.Link(prevSeq, prevHash, r) is { } p) problems.Add(p);
            try
            {
                var e = EventCodec.Decode(r.Payload, checked((ushort)r.Type));
                if ((long)e.Sequence == r.Sequence) events.Add(e);
                else problems.Add(new(AuditSeverity.Error, "sequence", (ulong)r.Sequence, $"the event inside record {r.Sequence} says sequence {e.Sequence}"));
            }
            catch (Exception ex) when (ex is EventDecodeException or OverflowException)
            {
                problems.Add(new(AuditSeverity.Error, "decode", (ulong)r.Sequence, ex.Message));
            }
            prevSeq = r.Sequence;
            prevHash = r.Hash;
        }
        return new ExternalReplayResult(prevSeq, prevHash, NodeState.Replay(events), TimelineBuilder.Build(NodeState.Initial, events), problems);
    }
}
