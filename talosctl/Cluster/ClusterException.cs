namespace Talos.Ctl.Cluster;

/// <summary>A local-cluster operation failed; the message is shown as one line (or a few, with a log tail).</summary>
public sealed class ClusterException(string message) : Exception(message);
