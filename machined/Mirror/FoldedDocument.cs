using Talos.Core.State;

namespace Talos.Machined.Mirror;

/// <summary>
/// A read model that folds the node state along the stream. The folded <see cref="NodeState"/> is kept beside the
/// document and turned into <see cref="State"/> only when something reads it (Marten, when it stores the document):
/// encoding the snapshot per event was most of the read models' cost (issue #10 benchmark), once per batch is enough.
/// </summary>
public abstract class FoldedDocument
{
    // Exactly one of the two is authoritative: the string as loaded (folded null), or the fold (string null until read).
    private string? _state = "";
    private NodeState? _folded;

    /// <summary>Node id.</summary>
    public string Id { get; set; } = "";
    /// <summary>Last applied sequence.</summary>
    public long LastSequence { get; set; }
    /// <summary>Chain hash of the last applied record.</summary>
    public string LastHash { get; set; } = "";
    /// <summary>Records that did not link (gap, broken link, altered, undecodable).</summary>
    public long ChainBreaks { get; set; }

    /// <summary>Base64 canonical snapshot of the folded state ("" = initial).</summary>
    public string State
    {
        get => _state ??= Convert.ToBase64String(_folded!.ToSnapshot());
        set
        {
            _state = value ?? "";
            _folded = null;
        }
    }

    /// <summary>
    /// Identifies the stored state without encoding it: the folded instance, else the string as loaded. Two documents
    /// with the same token hold the same state (the converse need not hold; callers then fold twice, still correctly).
    /// </summary>
    internal object StateToken => (object?)_folded ?? _state ?? "";

    /// <summary>Whether two <see cref="StateToken"/>s name the same state.</summary>
    internal static bool SameState(object a, object b) => ReferenceEquals(a, b) || (a is string x && b is string y && x == y);

    /// <summary>The folded state: the one set by the last fold, else decoded from <see cref="State"/>; false when that does not decode.</summary>
    internal bool TryGetFolded(out NodeState state)
    {
        if (_folded is { } f)
        {
            state = f;
            return true;
        }
        state = NodeState.Initial;
        if (_state is not { Length: > 0 } s) return true;
        try
        {
            state = NodeState.FromSnapshot(Convert.FromBase64String(s));
            _folded = state;   // the string stays authoritative and cached: no re-encoding
            return true;
        }
        catch (Exception e) when (e is Core.Errors.SnapshotDecodeException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Sets the folded state; <see cref="State"/> is re-encoded when next read.</summary>
    internal void SetFolded(NodeState state)
    {
        _folded = state;
        _state = null;
        OnFolded();
    }

    /// <summary>Called when a fold sets the state, for values derived from it (drop cached ones).</summary>
    private protected virtual void OnFolded() { }
}
