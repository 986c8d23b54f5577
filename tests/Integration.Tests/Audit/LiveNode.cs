using System.Net;
using System.Text;
using Talos.Core.Pki;
using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;
using Talos.Integration.Tests.Support;
using Talos.Machined.Daemon;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Upgrade.Images;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// A real node behind its real API (mutual TLS with a real machine CA), on a file disk, mirroring to the real
/// fleet store, installed with v1.9.0; talosctl runs in-process against it with a talosconfig for os:admin.
/// </summary>
internal sealed class LiveNode : IAsyncDisposable
{
    private readonly string _dir;
    private NodeServer? _server;

    private LiveNode(string dir, string address, FileBlockDevice disk, NodeRuntime node)
    {
        _dir = dir;
        Address = address;
        Disk = disk;
        Node = node;
    }

    public string Address { get; }
    public FileBlockDevice Disk { get; }
    public NodeRuntime Node { get; }
    public string DiskPath => Path.Combine(_dir, "node.img");

    /// <summary>The machine's sealing secret for the node key (issue #22: held by the machine, not by its disk).</summary>
    public static readonly byte[] SealingSecret = [.. Enumerable.Range(200, 32).Select(i => (byte)i)];

    /// <summary>Builds the image, powers the node on behind its API, applies a config naming the store and waits for Running.</summary>
    public static async Task<LiveNode> StartAsync(string dir, string address, string schema, ulong guidSeed)
    {
        var images = new LocalLayoutStore(Path.Combine(dir, "images"));
        await new InstallerImageBuilder(images).BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        var pki = PkiContext.Seeded((long)guidSeed, TimeProvider.System);
        var ca = CertificateAuthority.Create(pki, PkiKeyAlgorithm.EcdsaP256);
        var disk = FileBlockDevice.Create(Path.Combine(dir, "node.img"), 256L << 20);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, Images = images, Address = address, Guids = new SeededGuidSource(guidSeed), HealthDeadline = TimeSpan.FromSeconds(5),
            KeyEntropy = b => b.Fill((byte)guidSeed), KeySealingSecret = SealingSecret,
        });
        var live = new LiveNode(dir, address, disk, node);
        live._server = await NodeServer.StartAsync(new NodeServerOptions { Runtime = node, Address = IPAddress.Parse(address), Port = 0, Pki = PkiContext.Seeded(99, TimeProvider.System) });
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(WithCa(Config(TestDatabase.ConnectionString, schema), ca), Talos.Api.Events.ApplyMode.Auto, false, default);
        await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful, "install");
        live.WriteTalosconfig(ca, pki, live._server.EndPoint.Port);
        return live;
    }

    /// <summary>
    /// Powers a node on from an existing disk image (e.g. a tampered copy) behind its API, with the same machine
    /// (sealing secret) and no config applied; waits until it settles. Its talosconfig is written with a client of
    /// <paramref name="clientCa"/> (e.g. an attacker's CA).
    /// </summary>
    public static async Task<LiveNode> ReopenAsync(string dir, string address, string diskPath, ulong guidSeed, CertificateAuthority clientCa)
    {
        var disk = FileBlockDevice.Open(diskPath);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, Images = new LocalLayoutStore(Path.Combine(dir, "images")), Address = address, Guids = new SeededGuidSource(guidSeed),
            HealthDeadline = TimeSpan.FromSeconds(5), KeyEntropy = b => b.Fill((byte)(guidSeed + 1)), KeySealingSecret = SealingSecret,
        });
        var live = new LiveNode(dir, address, disk, node);
        live._server = await NodeServer.StartAsync(new NodeServerOptions { Runtime = node, Address = IPAddress.Parse(address), Port = 0, Pki = PkiContext.Seeded(98, TimeProvider.System) });
        await node.PowerOnAsync();
        await node.WaitSettledAsync();
        live.WriteTalosconfig(clientCa, PkiContext.Seeded(97, TimeProvider.System), live._server.EndPoint.Port);
        return live;
    }

    /// <summary>Runs talosctl with this node's talosconfig.</summary>
    public async Task<(int Code, string Out, string Err)> Talosctl(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Cli.RunAsync(["--talosconfig", Path.Combine(_dir, "talosconfig"), .. args], new CliContext(o, e));
        return (code, o.ToString().Replace("\r\n", "\n"), e.ToString().Replace("\r\n", "\n"));
    }

    /// <summary>Captures the running node's disk as an image (the daemon holds the file exclusively, so read through the device).</summary>
    public void Capture(string to)
    {
        using var f = File.Create(to);
        var buf = new byte[4 << 20];
        for (long at = 0; at < Disk.Length; at += buf.Length)
        {
            var n = (int)Math.Min(buf.Length, Disk.Length - at);
            Disk.Read(at, buf.AsSpan(0, n));
            f.Write(buf, 0, n);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await Node.DisposeAsync();
        Disk.Dispose();
    }

    private void WriteTalosconfig(CertificateAuthority ca, PkiContext pki, int port)
    {
        var client = ca.IssueClient(pki, ["os:admin"], TimeSpan.FromDays(1));
        var cfg = new TalosConfig { Context = "audit" };
        cfg.Contexts["audit"] = new TalosContext
        {
            Endpoints = [$"{Address}:{port}"], Nodes = [Address], Ca = B64(ca.CertificatePem), Crt = B64(client.CertificatePem), Key = B64(client.KeyPem),
        };
        cfg.Save(Path.Combine(_dir, "talosconfig"));
    }

    private static byte[] WithCa(string config, CertificateAuthority ca)
    {
        const string placeholder = "  ca:\n    crt: Y3J0\n    key: a2V5";
        var at = config.IndexOf(placeholder, StringComparison.Ordinal);
        Assert.True(at >= 0, "the config changed: machine.ca placeholder not found");
        return Encoding.UTF8.GetBytes(config[..at] + $"  ca:\n    crt: {B64(ca.CertificatePem)}\n    key: {B64(ca.KeyPem)}" + config[(at + placeholder.Length)..]);
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
}
