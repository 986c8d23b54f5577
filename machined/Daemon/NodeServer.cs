using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Talos.Core.Config;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Runtime;

namespace Talos.Machined.Daemon;

/// <summary>Options of <see cref="NodeServer"/>.</summary>
public sealed class NodeServerOptions
{
    /// <summary>The node to serve (not powered on by the server).</summary>
    public required NodeRuntime Runtime { get; init; }

    /// <summary>Address to listen on (the node's own loopback address).</summary>
    public required IPAddress Address { get; init; }

    /// <summary>Port; default upstream's 50000; 0 picks a free one.</summary>
    public int Port { get; init; } = ApiHostOptions.DefaultPort;

    /// <summary>Randomness and clock for the certificates the node issues (server certificate, GenerateClientConfiguration).</summary>
    public required PkiContext Pki { get; init; }

    /// <summary>Clock of the API (client certificate validity, event tails).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Logging of the API host (default silent).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Sink for the server's own messages (TLS switches, errors).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// One node's API wired to its runtime, in-process and without statics (the daemon hosts one; tests host several):
/// the API starts in maintenance mode with throw-away TLS material, and whenever the runtime activates a config whose
/// OS CA differs from the one in use, the API switches to mutual TLS with that CA and a server certificate issued
/// for the node's address (new connections only; open ones keep theirs).
/// </summary>
public sealed class NodeServer : IAsyncDisposable
{
    private readonly NodeServerOptions _o;
    private readonly object _gate = new();
    private MachineConfig? _pkiSource;
    private readonly ApiPki _maintenancePki;
    private Trustd.TrustdHost? _trustd;

    private NodeServer(NodeServerOptions o, MachinedApiHost host, ApiPki maintenancePki)
    {
        _o = o;
        Host = host;
        _maintenancePki = maintenancePki;
    }

    /// <summary>The API host.</summary>
    public MachinedApiHost Host { get; }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint EndPoint => Host.EndPoint;

    /// <summary>Starts the API; call <see cref="NodeRuntime.PowerOnAsync"/> afterwards so no config activation is missed.</summary>
    public static async Task<NodeServer> StartAsync(NodeServerOptions o, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        var maintenance = ApiPki.GenerateSelfSigned(o.Pki, [o.Address], ["localhost"]);
        var host = await MachinedApiHost.StartAsync(new ApiHostOptions
        {
            Address = o.Address,
            Port = o.Port,
            Pki = maintenance,
            Configured = false,
            MachineService = typeof(NodeMachineService),
            StateService = typeof(NodeStateService),
            ConfigureServices = s =>
            {
                s.AddSingleton(o.Runtime);
                s.AddSingleton(o.Pki);
                s.AddSingleton<NodeApiLocks>();
            },
            ConfigureLogging = o.ConfigureLogging,
            TimeProvider = o.Time,
        }, ct);
        var server = new NodeServer(o, host, maintenance);
        server.LogMaintenanceFingerprint();
        o.Runtime.ConfigActivated += server.OnConfigActivated;
        o.Runtime.ConfigDeactivated += server.OnConfigDeactivated;
        if (o.Runtime.Config is { } already) server.OnConfigActivated(already);
        return server;
    }

    private void OnConfigActivated(MachineConfig config)
    {
        // Independent of the OS CA: (re)started when the etcd CA changes, a no-op otherwise and on workers.
        _ = Task.Run(() => StartEtcdPeerAsync(config));
        lock (_gate)
        {
            if (Host.Security.IsConfigured && NodePki.SameCa(_pkiSource, config)) return;
            if (!NodePki.HasCaKey(config))
            {
                _pkiSource = config;
                _ = Task.Run(() => ConfigureFromTrustdAsync(config));
                return;
            }
            ApiPki pki;
            try { pki = NodePki.ForNode(config, _o.Address, _o.Pki); }
            catch (Talos.Core.Errors.TalosException e)
            {
                // The runtime already accepted the config; the API keeps its current TLS material and says why.
                _o.Log?.Invoke($"api: cannot use the OS CA of the activated config ({e.Message}); keeping the current TLS material");
                return;
            }
            Apply(pki);
            _pkiSource = config;
            _ = Task.Run(() => StartTrustdAsync(config, pki));
        }
    }

    private void Apply(ApiPki pki)
    {
        if (Host.Security.IsConfigured)
        {
            Host.RotatePki(pki);
            _o.Log?.Invoke("api: the OS CA changed; new connections use the new CA and server certificate");
        }
        else
        {
            Host.MarkConfigured(pki);
            _o.Log?.Invoke("api: configured; mutual TLS is required from now on");
        }
    }

    /// <summary>Control planes serve trustd on port 50001 so workers can get their API certificate.</summary>
    private async Task StartTrustdAsync(MachineConfig config, ApiPki pki)
    {
        if (_trustd is not null || _o.Port == 0) return;   // port 0: in-process tests without a fixed trustd port
        try
        {
            var ca = NodePki.CaOf(config);
            var token = config.Machine?.Token ?? "";
            _trustd = await Trustd.TrustdHost.StartAsync(_o.Address, Trustd.TrustdClient.Port, pki.ServerCertificate,
                () => new Trustd.TrustdAuthority(ca, token), _o.Time);
            _o.Log?.Invoke($"trustd: listening on {_o.Address}:{Trustd.TrustdClient.Port}");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or Talos.Core.Errors.TalosException)
        {
            _o.Log?.Invoke($"trustd: not started: {e.Message}");
        }
    }

    /// <summary>A worker asks a control plane's trustd (machine token) for its certificate, retrying until one answers.</summary>
    private async Task ConfigureFromTrustdAsync(MachineConfig config)
    {
        var endpoint = config.Cluster?.ControlPlane?.Endpoint;
        var host = Uri.TryCreate(endpoint, UriKind.Absolute, out var u) ? u.Host : null;
        if (host is null) { _o.Log?.Invoke("api: worker config has no cluster.controlPlane.endpoint: cannot reach trustd"); return; }
        for (var attempt = 1; attempt <= 120; attempt++)
        {
            try
            {
                var caPem = NodePki.CaCertificatePem(config);
                var (crt, key) = await Trustd.TrustdClient.RequestAsync(host, config.Machine?.Token ?? "", caPem, [_o.Address], _o.Pki, CancellationToken.None);
                var pki = ApiPki.FromPem(caPem, crt, key);
                lock (_gate)
                {
                    if (!ReferenceEquals(_pkiSource, config)) return;   // a newer config took over meanwhile
                    Apply(pki);
                }
                _o.Log?.Invoke($"api: server certificate signed by trustd at {host}:{Trustd.TrustdClient.Port}");
                return;
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or IOException or Talos.Core.Errors.TalosException)
            {
                if (attempt == 1 || attempt % 10 == 0) _o.Log?.Invoke($"api: trustd at {host} not ready ({e.Message}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Control planes serve the etcd peer protocol on port 2380 (issue 12).</summary>
    private async Task StartEtcdPeerAsync(MachineConfig config)
    {
        try { await _o.Runtime.Etcd.StartPeerAsync(config, _o.Address, _o.Pki); }
        catch (Exception e) when (e is IOException or InvalidOperationException or Talos.Core.Errors.TalosException)
        {
            _o.Log?.Invoke($"etcd: peer port not started: {e.Message}");
        }
    }

    /// <summary>What a user pins with <c>talosctl apply-config --insecure --cert-fingerprint</c> (upstream prints it on the console).</summary>
    private void LogMaintenanceFingerprint() =>
        _o.Log?.Invoke("api: maintenance mode: server certificate fingerprint " +
            Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(_maintenancePki.ServerCertificate.RawData)));

    private void OnConfigDeactivated()
    {
        _ = Task.Run(_o.Runtime.Etcd.StopPeerAsync);
        lock (_gate)
        {
            if (!Host.Security.IsConfigured) return;
            Host.MarkMaintenance(_maintenancePki);
            _pkiSource = null;
            _o.Log?.Invoke("api: the machine config is gone (reset): back to maintenance mode, no client certificate needed");
            LogMaintenanceFingerprint();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _o.Runtime.ConfigActivated -= OnConfigActivated;
        _o.Runtime.ConfigDeactivated -= OnConfigDeactivated;
        if (_trustd is not null) await _trustd.DisposeAsync();
        await _o.Runtime.Etcd.DisposeAsync();
        await Host.DisposeAsync();
    }
}
