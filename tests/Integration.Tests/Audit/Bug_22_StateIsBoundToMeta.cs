using System.Text;
using System.Text.RegularExpressions;
using Talos.Core.Pki;
using Talos.Integration.Tests.Support;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Layout;
using Talos.Partitions.State;
using static Talos.Integration.Tests.Fleet.ANodeMirrorsItsMetaLogToTheFleetStore;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// Issue #22 item 4: the machine config on STATE must be the one the log last recorded as applied. On a copy of a
/// real node disk whose STATE config names an attacker's machine CA, the node stays in maintenance with the reason
/// (event, MachineStatus condition) and a client certificate from the attacker's CA gets no os:admin call through.
/// </summary>
public sealed class Bug_22_StateIsBoundToMeta : IAsyncLifetime
{
    private readonly string _schema = TestDatabase.SchemaFor(typeof(Bug_22_StateIsBoundToMeta));
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-state-bound-").FullName;

    public Task InitializeAsync() => TestDatabase.DropSchemaAsync(_schema);

    public async Task DisposeAsync()
    {
        await TestDatabase.DropSchemaAsync(_schema);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_state_config_with_an_attackers_ca_is_refused_and_the_attacker_gets_no_admin_call()
    {
        var live = await LiveNode.StartAsync(_dir, "127.0.122.8", _schema, 41);
        var image = Path.Combine(_dir, "tampered.img");
        live.Capture(image);
        await live.DisposeAsync();

        var pki = PkiContext.Seeded(4242, TimeProvider.System);
        var attacker = CertificateAuthority.Create(pki, PkiKeyAlgorithm.EcdsaP256);
        using (var disk = FileBlockDevice.Open(image))
        {
            var state = StateStore.Open(TalosLayout.OpenPartition(disk, "STATE"));
            var yaml = Encoding.UTF8.GetString(state.Get("config")!);
            static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
            var tampered = new Regex(@"\n  ca:\n    crt: \S+\n    key: \S+").Replace(yaml, $"\n  ca:\n    crt: {B64(attacker.CertificatePem)}\n    key: {B64(attacker.KeyPem)}", 1);
            Assert.NotEqual(yaml, tampered);
            state.Put("config", Encoding.UTF8.GetBytes(tampered));
            disk.Flush();
        }

        await using var node = await LiveNode.ReopenAsync(Path.Combine(_dir, "again"), "127.0.122.9", image, 41, attacker);
        Assert.Equal(NodeStage.Maintenance, node.Node.Stage);
        Assert.Null(node.Node.Config);
        Assert.Contains("is not the one the node applied", node.Node.ConfigBindingProblem);
        Assert.Contains(node.Node.Journal.ReadAll(), e => e.MaintenanceEntered?.Reason.Contains("STATE was changed outside the node's API", StringComparison.Ordinal) == true);
        Assert.Contains(node.Node.Kernel.Ring.Tail(50), l => l.Contains("is not the one the node applied", StringComparison.Ordinal));

        var admin = await node.Talosctl("meta", "write", "0x0c", "owned");   // os:admin with the attacker's certificate
        Assert.NotEqual(0, admin.Code);
        Assert.DoesNotContain(node.Node.Journal.ReadAll(), e => e.MetaKeySet is { Key: 0x0c });
    }
}
