using Talos.Core.Errors;

namespace Talos.Machined.Mirror;

/// <summary>
/// A node presented a public key different from the one the fleet store registered at its first contact (issue #10).
/// The store keeps the first key: a node that re-keys (a wiped STATE, or an impostor) is refused until an operator
/// removes the registration, because accepting the new key would let a rewritten history re-sign itself.
/// </summary>
public sealed class NodeKeyMismatchException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public NodeKeyMismatchException(string nodeId, string registeredKey, string presentedKey)
        : base($"node {nodeId} presented public key {presentedKey} but the fleet store registered {registeredKey} at first contact; " +
               "if the node was legitimately re-installed, remove its registration (mt_doc_nodehead) and let it register again")
    {
        NodeId = nodeId;
        RegisteredKey = registeredKey;
        PresentedKey = presentedKey;
    }

    /// <summary>The node (stream key).</summary>
    public string NodeId { get; }

    /// <summary>Base64 of the registered key.</summary>
    public string RegisteredKey { get; }

    /// <summary>Base64 of the key the node presented.</summary>
    public string PresentedKey { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.PermissionDenied;
}
