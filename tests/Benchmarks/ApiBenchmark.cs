using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Events;
using Talos.Core.Pki;
using Talos.Machined.Daemon;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Sequencer.Locking;
using Talos.Upgrade.Images;

namespace Talos.Benchmarks;

/// <summary>
/// Issue #8: the machine API of a real node (runtime installed on a 512 MiB disk, real Kestrel on 127.0.6.1, real
/// mutual TLS with certificates from the node's CA). Unary latency of Version on a warm channel against
/// grpc.health.v1 Health/Check on the same channel (same TLS, HTTP/2 and interceptors; a trivial handler), and the
/// Events stream replaying a 100,000-event META log against reading and decoding the same log in-process.
/// </summary>
public sealed class ApiBenchmark : IBenchmark
{
    private const int HistoryEvents = 100_000, Calls = 3000;
    private static readonly IPAddress Address = IPAddress.Parse("127.0.6.1");

    public string Name => "api";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct)
    {
        var dir = Path.Combine(workDir, "api");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        try
        {
            var (node, server, channel) = await StartNodeAsync(dir, ct);
            await using (server)
            await using (node)
            using (channel)
            {
                await FillHistoryAsync(node, ct);
                var rows = new List<BenchResult>();
                rows.AddRange(await UnaryAsync(channel, ct));
                rows.Add(await EventsAsync(node, channel, ct));
                return rows;
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static async Task<IReadOnlyList<BenchResult>> UnaryAsync(GrpcChannel channel, CancellationToken ct)
    {
        var machine = new MachineService.MachineServiceClient(channel);
        var health = new Health.HealthClient(channel);
        for (var i = 0; i < 300; i++)
        {
            await machine.VersionAsync(new Google.Protobuf.WellKnownTypes.Empty(), cancellationToken: ct);
            await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        }
        // Alternate in rounds so drift on the shared box hits both sides alike.
        var ours = new List<double>();
        var floor = new List<double>();
        for (var round = 0; round < Calls / 100; round++)
        {
            for (var i = 0; i < 100; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await machine.VersionAsync(new Google.Protobuf.WellKnownTypes.Empty(), cancellationToken: ct);
                ours.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
            }
            for (var i = 0; i < 100; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
                floor.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
            }
        }
        double p50 = MetaBench.Pct([.. ours], 0.5), p99 = MetaBench.Pct([.. ours], 0.99);
        double f50 = MetaBench.Pct([.. floor], 0.5), f99 = MetaBench.Pct([.. floor], 0.99);
        return
        [
            new("API unary Version over mTLS, warm channel, latency p50 / p99", $"{p50:F0} / {p99:F0} µs",
                $"Health/Check same channel {f50:F0} / {f99:F0} µs", f50 / p50, "(no goal; report)", true),
        ];
    }

    private static async Task<BenchResult> EventsAsync(NodeRuntime node, GrpcChannel channel, CancellationToken ct)
    {
        var total = node.Journal.ReadAll().Count();
        if (total < HistoryEvents) throw new InvalidOperationException($"the node's META holds {total} events, expected at least {HistoryEvents}");
        double best = double.MaxValue, bestFloor = double.MaxValue;
        var machine = new MachineService.MachineServiceClient(channel);
        for (var round = 0; round < 3; round++)
        {
            var sw = Stopwatch.StartNew();
            var decoded = 0;
            foreach (var e in node.Journal.ReadAll()) if (e.Sequence > 0) decoded++;
            bestFloor = Math.Min(bestFloor, sw.Elapsed.TotalSeconds);

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            sw.Restart();
            var received = 0;
            using var call = machine.Events(new EventsRequest { TailEvents = -1 }, cancellationToken: cts.Token);
            await foreach (var e in call.ResponseStream.ReadAllAsync(cts.Token))
            {
                if (e.Data is null) continue;   // the empty "hello" event first (upstream)
                if (++received == total) break;
            }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            cts.Cancel();
            if (received != total || decoded != total) throw new InvalidOperationException($"streamed {received}, decoded {decoded}, expected {total}");
        }
        return new($"API Events stream, whole history of {total:N0} events from META over mTLS",
            $"{total / best:F0} events/s", $"read + decode META in-process {total / bestFloor:F0} events/s", bestFloor / best, "(no goal; report)", true);
    }

    // 100,000 MetaKeySet events in batches: each batch is one META write + flush through the node's journal.
    private static async Task FillHistoryAsync(NodeRuntime node, CancellationToken ct)
    {
        const int batch = 2000;
        for (var done = 0; done < HistoryEvents; done += batch)
        {
            var events = Enumerable.Range(done, batch).Select(i => NodeEvents.Create(0, TimeProvider.System, "bench", "", x =>
                x.MetaKeySet = new MetaKeySet { Key = (uint)(i % 200), Value = Google.Protobuf.ByteString.CopyFromUtf8($"value {i}") })).ToList();
            await node.Journal.AppendAsync(events, ct);
        }
    }

    private static async Task<(NodeRuntime, NodeServer, GrpcChannel)> StartNodeAsync(string dir, CancellationToken ct)
    {
        var store = new LocalLayoutStore(Path.Combine(dir, "images"));
        const string image = "ghcr.io/siderolabs/installer:v1.9.0";
        await new InstallerImageBuilder(store).BuildGeneratedAsync(ImageReference.Parse(image), new InstallerConfig("v1.9.0", "amd64", "healthy"), 1 << 20, 1, ct);
        var pki = PkiContext.Seeded(1, TimeProvider.System);
        var ca = CertificateAuthority.Create(pki);
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = new MemoryBlockDevice(512L << 20), DiskName = "bench.img", Address = Address.ToString(), Images = store,
            Guids = new SeededGuidSource(7), Ids = new SequentialIdSource("bench"), HealthDeadline = TimeSpan.FromSeconds(30),
            MetaSizeMiB = 64,
        });
        var server = await NodeServer.StartAsync(new NodeServerOptions { Runtime = node, Address = Address, Port = 0, Pki = PkiContext.Seeded(2, TimeProvider.System) }, ct);
        await node.PowerOnAsync(ct);
        await node.ApplyConfigurationAsync(Config(image, ca), ApplyMode.Auto, dryRun: false, ct);
        var until = Stopwatch.StartNew();
        while (!(node.Stage == NodeStage.Running && node.State.SlotA.Successful))
        {
            if (until.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"the node did not install and confirm slot A (stage {node.Stage})");
            await Task.Delay(50, ct);
        }
        var client = ca.IssueClient(pki, ["os:admin"], TimeSpan.FromDays(1), "bench-admin");
        var ssl = new SslClientAuthenticationOptions
        {
            ClientCertificates = [X509Certificate2.CreateFromPem(client.CertificatePem, client.KeyPem)],
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true,
                CustomTrustStore = { X509Certificate2.CreateFromPem(ca.CertificatePem) },
            },
        };
        var channel = GrpcChannel.ForAddress($"https://{server.EndPoint}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = ssl }, DisposeHttpClient = true, MaxReceiveMessageSize = 16 << 20,
        });
        return (node, server, channel);
    }

    private static byte[] Config(string image, CertificateAuthority ca)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        return Encoding.UTF8.GetBytes(Talos.Tests.Shared.TestMachineConfig.Yaml(image, hostname: "bench", tries: null,
            caCrt: B64(ca.CertificatePem), caKey: B64(ca.KeyPem), endpoint: "https://127.0.6.1:6443", clusterName: "bench"));
    }
}
