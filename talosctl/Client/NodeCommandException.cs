namespace Talos.Ctl.Client;

/// <summary>A command failed on one node for a reason other than the RPC status (e.g. the node rolled back). Shown as "node: message".</summary>
public sealed class NodeCommandException(string message) : Exception(message);
