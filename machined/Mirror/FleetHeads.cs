using Marten;
using Talos.Partitions.Audit;

namespace Talos.Machined.Mirror;

/// <summary>Registers node keys and records signed heads in the fleet store; checks stream and heads agree.</summary>
public static class FleetHeads
{
    /// <summary>Registers <paramref name="publicKey"/> for <paramref name="nodeId"/> at first contact; an existing different key is refused.</summary>
    /// <exception cref="NodeKeyMismatchException">Another key is already registered (a node cannot silently re-key).</exception>
    public static async Task RegisterAsync(IDocumentStore store, string nodeId, byte[] publicKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var s = store.LightweightSession();
        var existing = await s.LoadAsync<NodeHead>(nodeId, ct);
        var key = Convert.ToBase64String(publicKey);
        if (existing is not null)
        {
            if (existing.PublicKey != key)
                throw new NodeKeyMismatchException(nodeId, existing.PublicKey, key);
            return;
        }
        s.Insert(new NodeHead { Id = nodeId, PublicKey = key });
        await s.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Records <paramref name="head"/> as the node's latest, after checking it verifies with the registered key and
    /// does not go backwards. Returns the problems found (nothing is stored when there is any).
    /// </summary>
    public static async Task<IReadOnlyList<AuditProblem>> RecordAsync(IDocumentStore store, string nodeId, SignedHead head, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(head);
        await using var s = store.LightweightSession();
        var doc = await s.LoadAsync<NodeHead>(nodeId, ct);
        if (doc is null) return [new(AuditSeverity.Error, "unregistered", head.Sequence, $"node {nodeId} has no registered key")];
        if (!HeadSigner.Verify(Convert.FromBase64String(doc.PublicKey), head))
            return [new(AuditSeverity.Error, "signature", head.Sequence, "the head does not verify with the node's registered key")];
        if ((long)head.Sequence < doc.Sequence)
            return [new(AuditSeverity.Error, "rewound", head.Sequence, $"the node signed a head at {head.Sequence}, older than the recorded {doc.Sequence}: its log went backwards")];
        doc.Head = Convert.ToBase64String(head.Encode());
        doc.Sequence = (long)head.Sequence;
        s.Store(doc);
        await s.SaveChangesAsync(ct);
        return [];
    }

    /// <summary>The registered key and the latest head (null when the node is unknown or never sent a head).</summary>
    public static async Task<(byte[] Key, SignedHead? Head)?> LoadAsync(IQuerySession q, string nodeId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(q);
        var doc = await q.LoadAsync<NodeHead>(nodeId, ct);
        if (doc is null) return null;
        return (Convert.FromBase64String(doc.PublicKey), doc.Head.Length == 0 ? null : SignedHead.Decode(Convert.FromBase64String(doc.Head)));
    }
}
