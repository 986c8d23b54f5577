using System.Net;
using System.Text;
using System.Text.RegularExpressions;
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
/// Issue #10, invariant 6: a real node behind its real API (mutual TLS), mirroring to the real store; talosctl audit
/// replay from the node (Events with audit_records), from the fleet store and from a captured copy of its disk prints
/// the same timeline, final state hash and head, and audit diff finds no difference between the sources.
/// </summary>
public sealed class ReplaysFromTheThreeSourcesAgree : IAsyncLifetime
{
    private const string Address = "127.0.105.11";
    private readonly string _schema = TestDatabase.SchemaFor(typeof(ReplaysFromTheThreeSourcesAgree));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-three-sources-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Node_fleet_and_disk_replays_print_the_same_history()
    {
        var images = new LocalLayoutStore(Path.Combine(_dir, "images"));
        await new InstallerImageBuilder(images).BuildGeneratedAsync(ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0"), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, default);
        var pki = PkiContext.Seeded(41, TimeProvider.System);
        var ca = CertificateAuthority.Create(pki, PkiKeyAlgorithm.EcdsaP256);
        var path = Path.Combine(_dir, "node.img");
        using var disk = FileBlockDevice.Create(path, 256L << 20);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, Images = images, Address = Address, Guids = new SeededGuidSource(11), HealthDeadline = TimeSpan.FromSeconds(5),
            KeyEntropy = b => b.Fill(0x5a),
        });
        await using var server = await NodeServer.StartAsync(new NodeServerOptions { Runtime = node, Address = IPAddress.Parse(Address), Port = 0, Pki = PkiContext.Seeded(99, TimeProvider.System) });
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(WithCa(Config(TestDatabase.ConnectionString, _schema), ca), Talos.Api.Events.ApplyMode.Auto, false, default);
        await Until(() => node.Stage == NodeStage.Running && node.State.SlotA.Successful, "install");
        WriteTalosconfig(ca, pki, server.EndPoint.Port);

        string fromNode = "";
        var copy = Path.Combine(_dir, "captured.img");
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await Until(() => node.MirrorStatus is { Lag: 0, Error: null } && (ulong)node.MirrorStatus.StoreVersion == node.State.LastSequence, "mirror caught up");
            var before = node.State.LastSequence;
            var r = await Talosctl("audit", "replay", "--from", "node");
            Assert.True(r.Code == 0, r.Out + r.Err);
            Capture(disk, copy);
            fromNode = r.Out;
            if (node.State.LastSequence == before && (ulong)node.MirrorStatus!.StoreVersion == before) break;   // quiescent: all three hold the same records
        }
        var nodeId = node.NodeId!;
        var fromFleet = await Talosctl("audit", "replay", "--from", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", nodeId);
        var fromDisk = await Talosctl("audit", "replay", "--from", "disk:" + copy);
        Assert.True(fromFleet.Code == 0 && fromDisk.Code == 0, fromFleet.Err + fromDisk.Err);

        Assert.Matches(@"SIGNED HEAD \d+ [0-9a-f]{64}", fromNode);
        Assert.Contains("PROBLEMS none", fromNode);
        Assert.Contains("Install", fromNode, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Body(fromDisk.Out), Body(fromNode));
        Assert.Equal(Body(fromFleet.Out), Body(fromNode));

        var diff = await Talosctl("audit", "diff", "--a", "node", "--b", "fleet", "--store", TestDatabase.ConnectionString, "--schema", _schema, "--node", nodeId);
        Assert.True(diff.Code == 0, diff.Out + diff.Err);
        Assert.Contains("SAME", diff.Out);
        await server.DisposeAsync();
        await node.DisposeAsync();
    }

    /// <summary>Captures the running node's disk as an image (the daemon holds the file exclusively, so read through the device).</summary>
    private static void Capture(IBlockDevice disk, string to)
    {
        using var f = File.Create(to);
        var buf = new byte[4 << 20];
        for (long at = 0; at < disk.Length; at += buf.Length)
        {
            var n = (int)Math.Min(buf.Length, disk.Length - at);
            disk.Read(at, buf.AsSpan(0, n));
            f.Write(buf, 0, n);
        }
    }

    /// <summary>From the first TIMELINE line through HEAD: what must be identical whatever the source.</summary>
    private static string Body(string output)
    {
        var lines = output.Split('\n');
        var from = Array.FindIndex(lines, l => l.StartsWith("TIMELINE", StringComparison.Ordinal));
        var to = Array.FindIndex(lines, l => l.StartsWith("HEAD ", StringComparison.Ordinal));
        Assert.True(from > 0 && to > from, output);
        return string.Join('\n', lines[from..(to + 1)]);
    }

    private void WriteTalosconfig(CertificateAuthority ca, PkiContext pki, int port)
    {
        var client = ca.IssueClient(pki, ["os:admin"], TimeSpan.FromDays(1));
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
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
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        return Encoding.UTF8.GetBytes(config[..at] + $"  ca:\n    crt: {B64(ca.CertificatePem)}\n    key: {B64(ca.KeyPem)}" + config[(at + placeholder.Length)..]);
    }

    private async Task<(int Code, string Out, string Err)> Talosctl(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Cli.RunAsync(["--talosconfig", Path.Combine(_dir, "talosconfig"), .. args], new CliContext(o, e));
        return (code, o.ToString().Replace("\r\n", "\n"), e.ToString().Replace("\r\n", "\n"));
    }
}
