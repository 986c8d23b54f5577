using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Daemon;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Runtime;
using Talos.Machined.Tests.Support;
using MachineEvent = Talos.Api.Machine.Event;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// A real node behind a real API: a runtime over the fixture's disk, served by <see cref="NodeServer"/> on a loopback
/// address with real TLS; the machine config carries a real OS CA (base64 PEM, as upstream) from <see cref="TestPki"/>.
/// </summary>
public sealed class NodeApiHarness : IAsyncDisposable
{
    private NodeApiHarness(RuntimeFixture f, IPAddress address, TestPki pki)
    {
        Fixture = f;
        Address = address;
        Pki = pki;
    }

    private int _boots;

    public RuntimeFixture Fixture { get; }
    public IPAddress Address { get; }
    public TestPki Pki { get; }
    public NodeRuntime Node { get; private set; } = null!;
    public NodeServer Server { get; private set; } = null!;

    /// <summary>Fault injection passed to every runtime this harness starts (<see cref="NodeRuntimeOptions.TaskFault"/>).</summary>
    public Func<Talos.Sequencer.Running.TaskContext, Exception?>? TaskFault { get; init; }

    public static async Task<NodeApiHarness> StartAsync(string address, long seed = 1, RuntimeFixture? fixture = null,
        Func<Talos.Sequencer.Running.TaskContext, Exception?>? taskFault = null)
    {
        var ip = IPAddress.Parse(address);
        var h = new NodeApiHarness(fixture ?? await RuntimeFixture.CreateAsync(), ip, new TestPki(seed, ip)) { TaskFault = taskFault };
        await h.PowerOnAsync();
        return h;
    }

    /// <summary>A new runtime over the same disk (as after a daemon restart), behind a new server.</summary>
    public async Task PowerOnAsync()
    {
        Node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = Fixture.Disk, DiskName = "test.img", Address = Address.ToString(), Images = Fixture.Store,
            Guids = new Talos.Partitions.Gpt.SeededGuidSource(7), Ids = new Talos.Sequencer.Locking.SequentialIdSource($"op{++_boots}"),
            HealthDeadline = TimeSpan.FromSeconds(5), TaskFault = TaskFault,
        });
        Server = await NodeServer.StartAsync(new NodeServerOptions
        {
            Runtime = Node, Address = Address, Port = 0, Pki = PkiContext.Seeded(99, TimeProvider.System),
        });
        await Node.PowerOnAsync();
    }

    public async Task StopAsync()
    {
        await Server.DisposeAsync();
        await Node.DisposeAsync();
    }

    /// <summary>The fixture's config with machine.ca replaced by this node's real CA.</summary>
    public byte[] Config(string image = RuntimeFixture.Healthy1, string type = "controlplane") => WithCa(RuntimeFixture.Config(image, type), Pki);

    public static byte[] WithCa(byte[] config, TestPki pki)
    {
        var text = Encoding.UTF8.GetString(config);
        const string placeholder = "  ca:\n    crt: Y3J0\n    key: a2V5";
        var at = text.IndexOf(placeholder, StringComparison.Ordinal);
        Assert.True(at >= 0, "the fixture config changed: machine.ca placeholder not found");
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        var ca = $"  ca:\n    crt: {B64(pki.Ca.CertificatePem)}\n    key: {B64(pki.Ca.KeyPem)}";
        return Encoding.UTF8.GetBytes(text[..at] + ca + text[(at + placeholder.Length)..]);
    }

    public GrpcChannel Insecure() => ApiClient.Open(Server.EndPoint, null, null);

    public GrpcChannel As(params string[] roles) => ApiClient.Open(Server.EndPoint, Pki.Client(roles), Pki.CaCertificate);

    /// <summary>Applies the config in maintenance mode and waits for install → reboot → confirmed slot A → mutual TLS.</summary>
    public async Task InstallAsync()
    {
        using var ch = Insecure();
        var reply = await new MachineService.MachineServiceClient(ch).ApplyConfigurationAsync(
            new ApplyConfigurationRequest { Data = Google.Protobuf.ByteString.CopyFrom(Config()), Mode = ApplyConfigurationRequest.Types.Mode.Auto });
        Assert.Contains("install", reply.Messages[0].ModeDetails);
        await WaitForAsync(() => Node.Stage == NodeStage.Running && Node.State.SlotA.Successful && Server.Host.Security.IsConfigured,
            "install, reboot and confirmed slot A");
    }

    public async Task WaitForAsync(Func<bool> done, string what, int seconds = 60)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!done())
        {
            if (cts.IsCancellationRequested)
                Assert.Fail($"timed out waiting for {what}; stage {Node.Stage}\n" + string.Join("\n", Node.Kernel.Ring.Tail(20)) + "\n--- events:\n" +
                    string.Join("\n", Node.Journal.ReadAll().TakeLast(12).Select(e => $"{e.Sequence} {e.ActorId} {e.PayloadCase} {e}")));
            await Task.Delay(25);
        }
    }

    /// <summary>Reads the Events stream (skipping the hello event) until <paramref name="enough"/> or the timeout.</summary>
    public static async Task<List<MachineEvent>> EventsAsync(GrpcChannel ch, EventsRequest request, Func<List<MachineEvent>, bool> enough, int seconds = 30)
    {
        var got = new List<MachineEvent>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        using var call = new MachineService.MachineServiceClient(ch).Events(request, cancellationToken: cts.Token);
        try
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync(cts.Token))
            {
                if (e.Data is null || e.Data.TypeUrl.Length == 0) continue;
                got.Add(e);
                if (enough(got)) break;
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
        return got;
    }

    public static Talos.Api.Events.NodeEvent? AsNodeEvent(MachineEvent e) =>
        e.Data.TypeUrl == "talos/runtime/talos.events.v1.NodeEvent" ? Talos.Api.Events.NodeEvent.Parser.ParseFrom(e.Data.Value) : null;

    public static async Task<Resource> GetAsync(GrpcChannel ch, string type, string id) =>
        (await new State.StateClient(ch).GetAsync(new GetRequest { Type = type, Id = id })).Resource;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Fixture.DisposeAsync();
    }
}
