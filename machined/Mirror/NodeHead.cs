namespace Talos.Machined.Mirror;

/// <summary>
/// The fleet store's record of a node's key and latest signed log head (issue #10). The key is registered at
/// first contact and never replaced by <see cref="FleetHeads"/>; every later head must verify with it.
/// </summary>
public sealed class NodeHead
{
    /// <summary>Node id (stream key).</summary>
    public string Id { get; set; } = "";
    /// <summary>Base64 Ed25519 public key registered at first contact.</summary>
    public string PublicKey { get; set; } = "";
    /// <summary>Base64 of the latest <see cref="Partitions.Audit.SignedHead"/> encoding ("" before the first).</summary>
    public string Head { get; set; } = "";
    /// <summary>Sequence of the latest head.</summary>
    public long Sequence { get; set; }
}
