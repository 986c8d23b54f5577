using Marten;
using Talos.Partitions.Audit;

namespace Talos.Machined.Mirror;

/// <summary>
/// The node side of tamper evidence (issue #10): registers the node's public key in the fleet store at first contact
/// (before the first append, so a node whose key the store refuses ships nothing), and after each mirror pass signs
/// the head the store now holds (last mirrored sequence + that record's chain hash), records it in the store and
/// keeps it on STATE through <c>keep</c>.
/// </summary>
/// <param name="store">The fleet store.</param>
/// <param name="nodeId">The node id (stream key).</param>
/// <param name="signer">The node's key (<see cref="NodeKey"/>).</param>
/// <param name="hashAt">Chain hash of the META record at a sequence (null when it is no longer in the log).</param>
/// <param name="keep">Persists the latest signed head on the node.</param>
/// <param name="kept">The latest head the node kept (e.g. signed at a META checkpoint); shipped when the store holds
/// its sequence and no fresher head can be signed. Null: none.</param>
/// <param name="maySign">False while the node refuses to sign (its log does not extend its last signed head, issue #22):
/// nothing is signed or recorded then. Null: always true.</param>
public sealed class SignedHeadShipper(IDocumentStore store, Guid nodeId, HeadSigner signer, Func<ulong, byte[]?> hashAt, Action<SignedHead> keep,
    Func<SignedHead?>? kept = null, Func<bool>? maySign = null)
{
    private bool _registered;
    private long _signed;

    /// <summary>Sequence of the latest head recorded in the store by this shipper (0 before the first).</summary>
    public long SignedSequence => _signed;

    /// <summary>Registers the key once; throws <see cref="NodeKeyMismatchException"/> when the store holds another.</summary>
    public async Task RegisterAsync(CancellationToken ct)
    {
        if (_registered) return;
        await FleetHeads.RegisterAsync(store, nodeId.ToString(), signer.PublicKey, ct);
        _registered = true;
    }

    /// <summary>
    /// Signs and records the head at <paramref name="storeVersion"/> when it moved; when that record is no longer in
    /// META, records the node's kept head instead if the store holds it. A head past the store's version is never
    /// recorded (the store's own chain would look rewound). Returns the problems the store reported (e.g.
    /// <c>rewound</c>); nothing is kept on the node then.
    /// </summary>
    public async Task<IReadOnlyList<AuditProblem>> AfterPassAsync(long storeVersion, CancellationToken ct)
    {
        if (!_registered || storeVersion <= _signed || maySign?.Invoke() == false) return [];
        SignedHead? head = null;
        if (hashAt((ulong)storeVersion) is { } hash) head = signer.Sign(nodeId, (ulong)storeVersion, hash);
        else if (kept?.Invoke() is { } k && (long)k.Sequence <= storeVersion && (long)k.Sequence > _signed) head = k;
        if (head is null) return [];
        var problems = await FleetHeads.RecordAsync(store, nodeId.ToString(), head, ct);
        if (problems.Count > 0) return problems;
        _signed = (long)head.Sequence;
        keep(head);
        return [];
    }
}
