using System.Net;
using System.Net.Sockets;

namespace Talos.Ctl.Cluster;

/// <summary>
/// Before <c>cluster create</c> starts anything (issue 20 item 6): every address of the new cluster must be free. A node
/// of another cluster in the same state root that still runs there is named, with the command that removes it; any other
/// listener on a port the node will bind (apid 50000 on every node, trustd 50001 and etcd's peer port 2380 on control
/// planes) is named by address and port. Without this, create sent its insecure apply-config to whichever machine
/// answered, possibly another cluster's node.
/// </summary>
public static class ClusterAddresses
{
    /// <summary>The ports a control-plane node binds on its address.</summary>
    public static IReadOnlyList<int> ControlPlanePorts { get; } = [50000, 50001, 2380];

    /// <summary>The ports a worker binds.</summary>
    public static IReadOnlyList<int> WorkerPorts { get; } = [50000];

    /// <summary>Throws <see cref="ClusterException"/> naming the first address (and owner, when known) that is in use.</summary>
    public static void EnsureFree(IReadOnlyList<string> addresses, int controlPlanes, string stateRoot, string name)
    {
        var owners = RunningNodes(stateRoot, name);
        for (var i = 0; i < addresses.Count; i++)
        {
            if (owners.TryGetValue(addresses[i], out var owner))
                throw new ClusterException($"address {addresses[i]} is in use by node {owner.Node.Name} of cluster \"{owner.Cluster}\" (pid {owner.Node.Pid}): " +
                    $"choose another range with --cidr, or remove that cluster with \"talosctl cluster destroy --name {owner.Cluster}\"; nothing was started");
            foreach (var port in i < controlPlanes ? ControlPlanePorts : WorkerPorts)
                if (InUse(addresses[i], port) is { } why)
                    throw new ClusterException($"{addresses[i]}:{port} is {why} (not by a cluster in {stateRoot}): choose another range with --cidr, " +
                        "or stop what listens there; nothing was started");
        }
    }

    /// <summary>Nodes of the other clusters under <paramref name="stateRoot"/> whose machined still runs, by address.</summary>
    private static Dictionary<string, (string Cluster, ClusterNode Node)> RunningNodes(string stateRoot, string name)
    {
        var nodes = new Dictionary<string, (string, ClusterNode)>(StringComparer.Ordinal);
        if (!Directory.Exists(stateRoot)) return nodes;
        foreach (var dir in Directory.EnumerateDirectories(stateRoot).Order(StringComparer.Ordinal))
        {
            ClusterState? state;
            try
            {
                state = ClusterState.Load(dir);
            }
            catch (Exception e) when (e is ClusterException or IOException or UnauthorizedAccessException or FormatException)
            {
                continue;   // an unreadable state file is that cluster's problem; the port check still sees its listeners
            }
            if (state is null || state.Name == name) continue;
            foreach (var n in state.Nodes.Where(n => n.Pid > 0 && MachinedProcess.Alive(n.Pid)))
                nodes.TryAdd(n.Address, (state.Name, n));
        }
        return nodes;
    }

    /// <summary>Why <paramref name="address"/>:<paramref name="port"/> cannot be bound, or null when it can.</summary>
    private static string? InUse(string address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), port));
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return "already in use by another process";
        }
        catch (SocketException e)
        {
            return $"not usable ({e.Message.ToLowerInvariant()})";
        }
    }
}
