using System.Net;
using System.Text;
using Google.Protobuf;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;
using Talos.Machined.Daemon;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Api;
using Talos.Machined.Tests.Runtime;

namespace Talos.Machined.Tests.Kubernetes;

/// <summary>
/// Two real control-plane nodes (127.0.103.2 and .3) behind real mutual TLS, sharing one OS CA and one Kubernetes CA,
/// installed with Kubernetes 1.30.3 component images; a talosconfig naming both, for running talosctl in-process.
/// </summary>
public sealed class TwoControlPlanes : IAsyncLifetime
{
    /// <summary>The xunit collection sharing one cluster (its tests run one after the other).</summary>
    public const string Collection = "two-control-planes";

    public const string From = "1.30.3";
    private readonly string _dir = Directory.CreateTempSubdirectory("k8s-cluster-").FullName;
    private NodeServer? _restarted;

    public NodeApiHarness Cp1 { get; private set; } = null!;
    public NodeApiHarness Cp2 { get; private set; } = null!;
    public CertificateAuthority KubernetesCa { get; private set; } = null!;
    public string TalosconfigPath => Path.Combine(_dir, "talosconfig");
    public string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>The API server of node 2 (replaced after <see cref="PartitionCp2"/> + <see cref="HealCp2Async"/>).</summary>
    public NodeServer Cp2Server => _restarted ?? Cp2.Server;

    public async Task InitializeAsync()
    {
        var both = await Task.WhenAll(NodeApiHarness.StartAsync("127.0.103.2", seed: 1203), NodeApiHarness.StartAsync("127.0.103.3", seed: 1203));
        (Cp1, Cp2) = (both[0], both[1]);
        KubernetesCa = CertificateAuthority.Create(Cp1.Pki.Context, PkiKeyAlgorithm.EcdsaP256);
        await Task.WhenAll(InstallAsync(Cp1), InstallAsync(Cp2));
        var admin = Cp1.Pki.Ca.IssueClient(Cp1.Pki.Context, [Roles.Admin], TimeSpan.FromDays(3650), "test-admin");
        var ctx = new TalosContext
        {
            Endpoints = { Dial(Cp1) },
            Nodes = { Dial(Cp1), Dial(Cp2) },
            Ca = B64(Cp1.Pki.Ca.CertificatePem), Crt = B64(admin.CertificatePem), Key = B64(admin.KeyPem),
        };
        var cfg = new TalosConfig { Context = "k8s" };
        cfg.Contexts["k8s"] = ctx;
        cfg.Save(TalosconfigPath);
    }

    private string Dial(NodeApiHarness h) => $"{h.Address}:{(h == Cp2 ? Cp2Server : h.Server).EndPoint.Port}";

    /// <summary>The fixture's config with real CAs and the Kubernetes component images at <see cref="From"/>.</summary>
    public byte[] Config(NodeApiHarness h)
    {
        var text = Encoding.UTF8.GetString(h.Config());
        const string placeholder = "  ca:\n    crt: Y3J0\n    key: a2V5";
        var at = text.IndexOf(placeholder, StringComparison.Ordinal);   // machine.ca is already real: this is cluster.ca
        Assert.True(at >= 0, "the fixture config changed: cluster.ca placeholder not found");
        text = text[..at] + $"  ca:\n    crt: {B64(KubernetesCa.CertificatePem)}\n    key: {B64(KubernetesCa.KeyPem)}" + text[(at + placeholder.Length)..];
        text = text.Replace("  type: controlplane\n", $"  type: controlplane\n  kubelet:\n    image: ghcr.io/siderolabs/kubelet:v{From}\n", StringComparison.Ordinal);
        text = text.TrimEnd('\n') + "\n" + string.Join("", new[] { ("apiServer", "kube-apiserver"), ("controllerManager", "kube-controller-manager"), ("proxy", "kube-proxy"), ("scheduler", "kube-scheduler") }
            .Select(c => $"  {c.Item1}:\n    image: registry.k8s.io/{c.Item2}:v{From}\n"));
        return Encoding.UTF8.GetBytes(text);
    }

    private async Task InstallAsync(NodeApiHarness h)
    {
        using var ch = h.Insecure();
        await new MachineService.MachineServiceClient(ch).ApplyConfigurationAsync(
            new ApplyConfigurationRequest { Data = ByteString.CopyFrom(Config(h)), Mode = ApplyConfigurationRequest.Types.Mode.Auto });
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Node.State.SlotA.Successful && h.Server.Host.Security.IsConfigured
            && h.Node.Services?.Find("kube-scheduler") is { Healthy: true }, "install, reboot, confirmed slot A and healthy Kubernetes units");
    }

    /// <summary>Node 2 becomes unreachable (its API server goes away; the node itself keeps running).</summary>
    public void PartitionCp2() => Cp2Server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Node 2 is reachable again, on the same address and port.</summary>
    public async Task HealCp2Async()
    {
        var port = Cp2Server.EndPoint.Port;
        _restarted = await NodeServer.StartAsync(new NodeServerOptions
        {
            Runtime = Cp2.Node, Address = Cp2.Address, Port = port, Pki = PkiContext.Seeded(98, TimeProvider.System),
        });
    }

    /// <summary>Runs talosctl in-process; <paramref name="onLine"/> sees every stdout line as it is written.</summary>
    public async Task<(int Rc, string Out, string Err)> Talosctl(Action<string>? onLine, params string[] args)
    {
        var o = new LineWriter(onLine);
        var e = new StringWriter();
        var rc = await Talos.Ctl.Cli.RunAsync(["--talosconfig", TalosconfigPath, .. args], new CliContext(o, e));
        return (rc, o.ToString(), e.ToString());
    }

    public async Task DisposeAsync()
    {
        if (_restarted is not null) await _restarted.DisposeAsync();
        await Cp1.DisposeAsync();
        await Cp2.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    /// <summary>A writer that keeps everything and reports each completed line (the test's hook into a running rollout).</summary>
    private sealed class LineWriter(Action<string>? onLine) : TextWriter
    {
        private readonly StringBuilder _all = new();
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        // Every other Write overload of TextWriter ends here.
        public override void Write(char value)
        {
            _all.Append(value);
            if (value != '\n') { _line.Append(value); return; }
            var line = _line.ToString();
            _line.Clear();
            onLine?.Invoke(line);
        }

        public override string ToString() => _all.ToString();
    }
}

/// <summary>One cluster for every Kubernetes test class (installing nodes is the expensive part).</summary>
[CollectionDefinition(TwoControlPlanes.Collection)]
public sealed class TwoControlPlanesCollection : ICollectionFixture<TwoControlPlanes>;
