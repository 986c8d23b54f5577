using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Talos.Api.Cosi;
using Talos.Api.Machine;

namespace Talos.Machined.Api;

/// <summary>
/// Options of <see cref="MachinedApiHost"/>. Defaults and their cost are documented per property; call
/// <see cref="Validate"/> (the host does) to fail at startup rather than at the first call.
/// </summary>
public sealed class ApiHostOptions
{
    /// <summary>Upstream's apid port; every node listens on it on its own loopback address.</summary>
    public const int DefaultPort = 50000;

    /// <summary>Address to bind, e.g. 127.0.0.12 for one node of a local cluster. Required.</summary>
    public required IPAddress Address { get; init; }

    /// <summary>TCP port; default 50000; 0 picks a free port (tests), see <see cref="MachinedApiHost.EndPoint"/>.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>TLS material at start. Required; in maintenance mode use <see cref="ApiPki.GenerateSelfSigned"/>.</summary>
    public required ApiPki Pki { get; init; }

    /// <summary>
    /// False (default) starts in maintenance mode: server-side TLS only, callers are os:reader and may apply a
    /// configuration. True requires mutual TLS against <see cref="Pki"/>'s CA from the first connection.
    /// </summary>
    public bool Configured { get; init; }

    /// <summary>MachineService implementation (a subclass of <see cref="DefaultMachineService"/> keeps Version).
    /// Resolved from DI per call, so it may take any registered dependency.</summary>
    public Type MachineService { get; init; } = typeof(DefaultMachineService);

    /// <summary>COSI State implementation (subclass <see cref="ReadOnlyStateService"/> to keep writes refused).</summary>
    public Type StateService { get; init; } = typeof(ReadOnlyStateService);

    /// <summary>Registers the node runtime's services (what the service implementations depend on).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Logging setup; default: no providers (silent), which tests want and the daemon overrides.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Clock for client certificate validity checks; default the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Time allowed for a TLS handshake; default 10 s (a stuck client cannot hold a connection slot longer).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is unusable; the message names it.</exception>
    public void Validate()
    {
        if (Address is null) throw new ArgumentException("Address is required", nameof(Address));
        if (Pki is null) throw new ArgumentException("Pki is required", nameof(Pki));
        if (Port is < 0 or > 65535) throw new ArgumentException($"Port must be 0..65535, got {Port}", nameof(Port));
        if (!typeof(Talos.Api.Machine.MachineService.MachineServiceBase).IsAssignableFrom(MachineService) || MachineService.IsAbstract)
            throw new ArgumentException($"MachineService must be a concrete MachineService.MachineServiceBase, got {MachineService}", nameof(MachineService));
        if (!typeof(State.StateBase).IsAssignableFrom(StateService) || StateService.IsAbstract)
            throw new ArgumentException($"StateService must be a concrete State.StateBase, got {StateService}", nameof(StateService));
        if (HandshakeTimeout <= TimeSpan.Zero)
            throw new ArgumentException("HandshakeTimeout must be positive", nameof(HandshakeTimeout));
    }
}
