using System.Net;
using System.Text;
using Grpc.Core;
using Org.BouncyCastle.Security;
using Talos.Api.Machine;
using Talos.Core.Config;
using Talos.Core.Pki;
using Talos.Ctl.Client;
using Talos.Ctl.Config;
using Talos.Ctl.Gen;
using Talos.Upgrade.Images;

namespace Talos.Ctl.Cluster;

/// <summary>The options of <c>talosctl cluster create</c>.</summary>
public sealed record ClusterCreateOptions(string Name, int ControlPlanes, int Workers, long DiskSize, string? Image,
    string StateRoot, string Cidr, string? Machined, string TalosConfigPath, TimeSpan WaitTimeout)
{
    /// <summary>--config-patch: applied to every node's config after the cluster's defaults (upstream's flag).</summary>
    public IReadOnlyList<Core.Config.ConfigPatch> Patches { get; init; } = [];

    /// <summary>--config-patch-control-plane.</summary>
    public IReadOnlyList<Core.Config.ConfigPatch> ControlPlanePatches { get; init; } = [];

    /// <summary>--config-patch-worker.</summary>
    public IReadOnlyList<Core.Config.ConfigPatch> WorkerPatches { get; init; } = [];

    /// <summary>--input-dir: use controlplane.yaml, worker.yaml and talosconfig from "talosctl gen config".</summary>
    public string? InputDir { get; init; }
}

/// <summary>
/// A local cluster on loopback: one machined process per node, each on its own 127.x address with its own disk
/// image, as upstream's docker/qemu provisioners do with containers and VMs.
/// </summary>
public sealed class ClusterProvisioner(TextWriter log)
{
    /// <summary>Images every local cluster's store holds: the default installer, a newer one, and a faulty newer one for demos.</summary>
    public static IReadOnlyList<(string Tag, string Profile)> DefaultImages(string tag) =>
    [
        (tag, "healthy"),
        (NextPatch(tag), "healthy"),
        (NextPatch(tag) + "-kubelet-never-healthy", "kubelet-never-healthy"),
    ];

    /// <summary>Creates, boots, installs and bootstraps the cluster; merges its context into the talosconfig.</summary>
    public async Task<ClusterState> CreateAsync(ClusterCreateOptions o, CancellationToken ct)
    {
        if (o.ControlPlanes < 1) throw new ClusterException("--controlplanes must be at least 1");
        if (o.Workers < 0) throw new ClusterException("--workers must not be negative");
        var dir = Path.Combine(o.StateRoot, o.Name);
        if (ClusterState.Load(dir) is not null) throw new ClusterException($"cluster \"{o.Name}\" already exists in {dir}: run \"talosctl cluster destroy --name {o.Name}\" first");
        var machined = MachinedProcess.Locate(o.Machined);
        var addresses = Addresses(o.Cidr, o.ControlPlanes + o.Workers);
        var tag = Commands.VersionCommand.Tag;
        // Configs first: bad input (a missing --input-dir file, a bad patch) fails before anything is created.
        var (configs, contextName) = ClusterConfigs.For(o, addresses[0], tag);
        CheckEndpoint(configs.Worker, addresses[0], o.Workers);
        ClusterAddresses.EnsureFree(addresses, o.ControlPlanes, o.StateRoot, o.Name);
        Directory.CreateDirectory(dir);
        var store = new LocalLayoutStore(Path.Combine(dir, "images"));
        await BuildImagesAsync(store, tag, ct);
        File.WriteAllText(Path.Combine(dir, "controlplane.yaml"), configs.ControlPlane.ToYaml());
        File.WriteAllText(Path.Combine(dir, "worker.yaml"), configs.Worker.ToYaml());
        var state = new ClusterState { Name = o.Name, Directory = dir };
        for (var i = 0; i < addresses.Count; i++)
        {
            var cp = i < o.ControlPlanes;
            var name = cp ? $"{o.Name}-controlplane-{i + 1}" : $"{o.Name}-worker-{i - o.ControlPlanes + 1}";
            var node = new ClusterNode
            {
                Name = name, Role = cp ? "controlplane" : "worker", Address = addresses[i],
                Disk = Path.Combine(dir, name + ".img"), Log = Path.Combine(dir, name + ".log"),
            };
            node.Pid = MachinedProcess.Start(machined, node.Log,
                ["--disk", node.Disk, "--address", node.Address, "--size", o.DiskSize.ToString(), "--image-store", store.Root]);
            state.Nodes.Add(node);
            state.Save();
            log.WriteLine($"started {name} at {node.Address} (pid {node.Pid})");
        }
        var ctx = configs.TalosConfig.Resolve(contextName, out _);
        ctx.Endpoints = state.Nodes.Where(n => n.Role == "controlplane").Select(n => n.Address).ToList();
        ctx.Nodes = [state.Nodes[0].Address];
        foreach (var n in state.Nodes) await MachinedProcess.WaitListeningAsync(n.Address, n.Pid, n.Log, o.WaitTimeout, ct);
        foreach (var n in state.Nodes)
            await ApplyAsync(n, n.Role == "controlplane" ? configs.ControlPlane : configs.Worker, ct);
        foreach (var n in state.Nodes) await WaitConfiguredAsync(n, ctx, o.WaitTimeout, ct);
        await BootstrapAsync(state.Nodes[0], ctx, ct);
        MergeTalosConfig(o.TalosConfigPath, contextName, ctx);
        log.WriteLine($"cluster \"{o.Name}\" is up: {state.Nodes.Count} node(s); talosconfig context \"{contextName}\" merged into {o.TalosConfigPath}");
        return state;
    }

    /// <summary>Workers reach trustd at the config's control plane endpoint: it must be the first control plane's address.</summary>
    private static void CheckEndpoint(MachineConfig worker, string firstControlPlane, int workers)
    {
        var endpoint = worker.Cluster?.ControlPlane?.Endpoint;
        var host = Uri.TryCreate(endpoint, UriKind.Absolute, out var u) ? u.Host : null;
        if (workers > 0 && host != firstControlPlane)
            throw new ClusterException($"the workers' cluster endpoint \"{endpoint}\" is not the first control plane ({firstControlPlane}): " +
                $"workers get their certificate from trustd there; generate the configs with \"talosctl gen config <name> https://{firstControlPlane}:6443\"");
    }

    /// <summary>Stops every process of the cluster and removes its state directory and talosconfig context.</summary>
    public async Task DestroyAsync(string name, string stateRoot, string talosConfigPath)
    {
        var dir = Path.Combine(stateRoot, name);
        var state = ClusterState.Load(dir) ?? throw new ClusterException($"cluster \"{name}\" not found in {stateRoot}");
        foreach (var n in state.Nodes)
        {
            await MachinedProcess.StopAsync(n.Pid, TimeSpan.FromSeconds(10));
            log.WriteLine($"stopped {n.Name} (pid {n.Pid})");
        }
        Directory.Delete(dir, recursive: true);
        if (File.Exists(talosConfigPath))
        {
            var cfg = TalosConfig.Load(talosConfigPath);
            if (cfg.Contexts.Remove(name))
            {
                if (cfg.Context == name) cfg.Context = cfg.Contexts.Keys.FirstOrDefault();
                cfg.Save(talosConfigPath);
            }
        }
        log.WriteLine($"destroyed cluster \"{name}\"");
    }

    /// <summary>Builds the default images into the store when they are missing (deterministic payloads).</summary>
    public static async Task BuildImagesAsync(LocalLayoutStore store, string tag, CancellationToken ct)
    {
        var builder = new InstallerImageBuilder(store);
        ulong seed = 1;
        foreach (var (t, profile) in DefaultImages(tag))
        {
            var reference = ImageReference.Parse($"{GenConfigInput.InstallerRepository}:{t}");
            if (store.ListTags(reference).Any(x => x.Tag == t)) { seed++; continue; }
            await builder.BuildGeneratedAsync(reference, new InstallerConfig(t.Split('-')[0], "amd64", profile), 8L << 20, seed++, ct);
        }
    }

    private async Task ApplyAsync(ClusterNode n, MachineConfig config, CancellationToken ct)
    {
        using var conn = NodeConnection.Insecure(n.Address);
        var client = new MachineService.MachineServiceClient(conn.Channel);
        await client.ApplyConfigurationAsync(new ApplyConfigurationRequest
        {
            Data = Google.Protobuf.ByteString.CopyFrom(Encoding.UTF8.GetBytes(config.ToYaml())),
            Mode = ApplyConfigurationRequest.Types.Mode.Auto,
        }, cancellationToken: ct);
        log.WriteLine($"applied the {n.Role} config to {n.Name}: installing");
    }

    private async Task WaitConfiguredAsync(ClusterNode n, TalosContext ctx, TimeSpan timeout, CancellationToken ct)
    {
        var until = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < until)
        {
            if (!MachinedProcess.Alive(n.Pid)) throw new ClusterException($"{n.Name} exited; see {n.Log}:\n{MachinedProcess.Tail(n.Log)}");
            try
            {
                using var conn = NodeConnection.Secure(n.Address, ctx);
                var client = new MachineService.MachineServiceClient(conn.Channel);
                var services = await client.ServiceListAsync(new Google.Protobuf.WellKnownTypes.Empty(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
                var all = services.Messages.SelectMany(m => m.Services).ToList();
                if (all.Count > 0 && all.All(s => s.State == "Running" && s.Health.Healthy))
                {
                    log.WriteLine($"{n.Name}: installed, booted and healthy");
                    return;
                }
                last = string.Join(", ", all.Where(s => s.State != "Running" || !s.Health.Healthy).Select(s => $"{s.Id} {s.State}"));
            }
            catch (RpcException e) { last = e.Status.Detail; }
            await Task.Delay(250, ct);
        }
        throw new ClusterException($"{n.Name} did not become healthy within {timeout.TotalSeconds:0}s (last: {last}); see {n.Log}");
    }

    private async Task BootstrapAsync(ClusterNode n, TalosContext ctx, CancellationToken ct)
    {
        using var conn = NodeConnection.Secure(n.Address, ctx);
        await new MachineService.MachineServiceClient(conn.Channel).BootstrapAsync(new BootstrapRequest(), cancellationToken: ct);
        log.WriteLine($"bootstrapped etcd on {n.Name}");
    }

    private static void MergeTalosConfig(string path, string name, TalosContext ctx)
    {
        var existing = TalosConfig.LoadOrEmpty(path);
        existing.Contexts[name] = ctx;
        existing.Context = name;
        existing.Save(path);
    }

    /// <summary>Node addresses from a /24 base such as 127.0.100.0/24: .2, .3, ... (loopback only).</summary>
    public static IReadOnlyList<string> Addresses(string cidr, int count)
    {
        var slash = cidr.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? cidr : cidr[..slash], out var ip) || ip.GetAddressBytes()[0] != 127)
            throw new ClusterException($"--cidr {cidr}: a local cluster uses loopback addresses (127.0.0.0/8), e.g. 127.0.100.0/24");
        var b = ip.GetAddressBytes();
        if (count > 250) throw new ClusterException("at most 250 nodes fit a /24");
        return Enumerable.Range(2, count).Select(i => $"{b[0]}.{b[1]}.{b[2]}.{i}").ToList();
    }

    private static string NextPatch(string tag)
    {
        var parts = tag.TrimStart('v').Split('.');
        return parts.Length == 3 && int.TryParse(parts[2], out var p) ? $"v{parts[0]}.{parts[1]}.{p + 1}" : tag + "-next";
    }
}
