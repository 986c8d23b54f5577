namespace Talos.Partitions.Audit;

/// <summary>
/// Node-versus-fleet divergence (issue #10): the fleet store's copy of a log and the node's own log must agree
/// record for record wherever both have the record. Because each hash covers the previous one, the first differing
/// sequence is where the two histories split.
/// </summary>
public static class Divergence
{
    /// <summary>Compares the node's log (<paramref name="node"/>) with the fleet's records of it.</summary>
    public static IReadOnlyList<AuditProblem> Compare(AuditResult node, IReadOnlyList<ExternalRecord> fleet)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(fleet);
        var problems = new List<AuditProblem>();
        var local = node.Records.ToDictionary(r => (long)r.Sequence, r => Convert.ToHexStringLower(r.Hash));
        foreach (var f in fleet)
        {
            if (!local.TryGetValue(f.Sequence, out var h)) continue;
            if (h != f.Hash)
            {
                problems.Add(new(AuditSeverity.Error, "diverged", (ulong)f.Sequence,
                    $"the node's record {f.Sequence} hashes to {h}, the fleet store's to {f.Hash}: the histories split here (one of them was rewritten)"));
                return problems;
            }
        }
        var fleetLast = fleet.Count > 0 ? fleet[^1].Sequence : 0;
        if (fleetLast > (long)node.LastSequence)
            problems.Add(new(AuditSeverity.Error, "rewound", node.LastSequence + 1,
                $"the fleet store holds records up to {fleetLast} but the node's log ends at {node.LastSequence}: the node lost or removed records"));
        else if (fleetLast < (long)node.LastSequence)
            problems.Add(new(AuditSeverity.Warning, "lag", (ulong)fleetLast + 1, $"the fleet store holds up to {fleetLast}, the node up to {node.LastSequence} (mirror lag)"));
        return problems;
    }
}
