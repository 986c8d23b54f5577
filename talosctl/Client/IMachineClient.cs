using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;

namespace Talos.Ctl.Client;

/// <summary>
/// One target node as a command sees it: the generated gRPC clients bound to a channel, the node's label for output
/// (upstream's NODE column / line prefix) and call options carrying the <c>node</c> header.
/// </summary>
public interface IMachineClient : IDisposable
{
    /// <summary>The node as the user named it (or the endpoint when no node was given): the label in output.</summary>
    string Node { get; }

    /// <summary>True when the connection is maintenance-mode TLS (<c>--insecure</c>).</summary>
    bool Insecure { get; }

    /// <summary>machine.MachineService.</summary>
    MachineService.MachineServiceClient Machine { get; }

    /// <summary>cosi.resource.State (read-only resources).</summary>
    State.StateClient Resources { get; }

    /// <summary>Call options for one RPC to this node.</summary>
    CallOptions Call(CancellationToken ct, TimeSpan? timeout = null);
}

/// <summary>An <see cref="IMachineClient"/> over a <see cref="NodeConnection"/> it owns.</summary>
public sealed class GrpcMachineClient : IMachineClient
{
    private readonly NodeConnection _connection;
    private readonly string? _nodeHeader;

    /// <summary>Wraps <paramref name="connection"/>; <paramref name="nodeHeader"/> goes in the <c>node</c> metadata (null: none).</summary>
    public GrpcMachineClient(string label, NodeConnection connection, string? nodeHeader, bool insecure)
    {
        Node = label;
        _connection = connection;
        _nodeHeader = nodeHeader;
        Insecure = insecure;
        Machine = new MachineService.MachineServiceClient(connection.Channel);
        Resources = new State.StateClient(connection.Channel);
    }

    /// <inheritdoc />
    public string Node { get; }

    /// <inheritdoc />
    public bool Insecure { get; }

    /// <inheritdoc />
    public MachineService.MachineServiceClient Machine { get; }

    /// <inheritdoc />
    public State.StateClient Resources { get; }

    /// <inheritdoc />
    public CallOptions Call(CancellationToken ct, TimeSpan? timeout = null) => NodeConnection.For(_nodeHeader, ct, timeout);

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();
}
