using Talos.Core.State;

namespace Talos.Partitions.Audit;

/// <summary>
/// One node's history from any source (captured disk, fleet store, the node's API) in one shape, so replays,
/// <c>audit diff</c> and <c>audit report</c> treat the three sources alike (issue #10, invariant 6).
/// </summary>
/// <param name="Source">Where it came from, for output (e.g. <c>disk:node.img</c>, <c>fleet</c>, <c>node:10.5.0.2</c>).</param>
/// <param name="NodeId">The node id (META superblock / stream key).</param>
/// <param name="StartedFromSequence">Checkpoint the fold started from (0: the initial state).</param>
/// <param name="Records">The records as stored, in order.</param>
/// <param name="LastSequence">Last sequence (0 when empty).</param>
/// <param name="LastHash">Hash of the last record.</param>
/// <param name="FinalState">The folded state.</param>
/// <param name="Timeline">Notable events.</param>
/// <param name="Problems">Everything found wrong.</param>
public sealed record AuditHistory(string Source, string NodeId, ulong StartedFromSequence, IReadOnlyList<ExternalRecord> Records, long LastSequence,
    string LastHash, NodeState FinalState, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<AuditProblem> Problems)
{
    /// <summary>The history of an offline disk audit.</summary>
    public static AuditHistory FromDisk(string source, AuditResult a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var records = a.Records.Select(r => new ExternalRecord((long)r.Sequence, r.Time, r.EventType, r.Payload,
            Convert.ToHexStringLower(r.PreviousHash), Convert.ToHexStringLower(r.Hash))).ToList();
        return new AuditHistory(source, a.NodeId.ToString(), a.StartedFromSequence, records, (long)a.LastSequence, a.LastHash, a.FinalState, a.Timeline, a.Problems);
    }

    /// <summary>Replays records kept outside META (fleet rows, the node API's records) into a history.</summary>
    public static AuditHistory FromRecords(string source, string nodeId, IReadOnlyList<ExternalRecord> records, ExternalStart? start = null)
    {
        var r = ExternalReplay.Run(records, start);
        return new AuditHistory(source, nodeId, start?.CheckpointSequence ?? 0, records, r.LastSequence, r.LastHash, r.FinalState, r.Timeline, r.Problems);
    }

    /// <summary>Hash of record <paramref name="sequence"/> (null when not held).</summary>
    public string? HashAt(long sequence)
    {
        if (Records.Count == 0) return null;
        var i = sequence - Records[0].Sequence;
        return i >= 0 && i < Records.Count && Records[(int)i].Sequence == sequence ? Records[(int)i].Hash : null;
    }

    /// <summary>
    /// Checks <paramref name="head"/> signed by <paramref name="key"/> against this history (as
    /// <see cref="HeadSigner.CheckAgainstHead"/> does for a disk audit).
    /// </summary>
    public IReadOnlyList<AuditProblem> CheckHead(SignedHead head, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(head);
        var problems = new List<AuditProblem>();
        if (!HeadSigner.Verify(key, head))
            problems.Add(new(AuditSeverity.Error, "signature", head.Sequence, "the signed head does not verify with the node's public key: the head (and the history it covers) was forged or re-signed"));
        if (head.NodeId.ToString() != NodeId)
            problems.Add(new(AuditSeverity.Error, "node", 0, $"the signed head is for node {head.NodeId}, the history belongs to {NodeId}"));
        if (LastSequence < (long)head.Sequence)
            problems.Add(new(AuditSeverity.Error, "rewound", head.Sequence, $"the history ends at {LastSequence} but the node signed a head at {head.Sequence}: records were removed"));
        else if (HashAt((long)head.Sequence) is not { } h)
            problems.Add(new(AuditSeverity.Warning, "head", head.Sequence, $"record {head.Sequence} was compacted into the checkpoint; its hash cannot be compared"));
        else if (h != head.HashHex)
            problems.Add(new(AuditSeverity.Error, "rewritten", head.Sequence, $"record {head.Sequence} hashes to {h} but the node signed {head.HashHex}: the history up to it was rewritten"));
        return problems;
    }
}
