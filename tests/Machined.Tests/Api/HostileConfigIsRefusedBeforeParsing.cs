using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Daemon;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Sequencer.Locking;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Issue 22 item 1: hostile configs over the real API (real Kestrel, real TLS) get InvalidArgument or ResourceExhausted,
/// the node keeps serving, and nothing on its disk changes. On main the deep ones killed the process (stack overflow),
/// billion laughs grew without bound, 500k keys took minutes and a 30-40 MB config got Unknown.
/// </summary>
public sealed class HostileConfigIsRefusedBeforeParsing
{
    private const long Limit = 32L * 1024 * 1024;

    /// <summary>(name, payload, expected status, a piece of the expected message).</summary>
    private static IEnumerable<(string Name, byte[] Data, StatusCode Code, string Says)> Payloads(byte[] validConfig)
    {
        static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
        yield return ("deep flow lists", Utf8(new string('[', 100_000) + new string(']', 100_000)), StatusCode.InvalidArgument, "exceeded max depth of 64");
        yield return ("deep flow maps", Utf8(string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "x" + new string('}', 100_000)), StatusCode.InvalidArgument, "exceeded max depth");
        yield return ("deep block lists", Utf8(string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n"), StatusCode.InvalidArgument, "exceeded max depth");
        var laughs = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var c = 'b'; c <= 'i'; c++) laughs.Append($"{c}: &{c} [{string.Join(", ", Enumerable.Repeat("*" + (char)(c - 1), 9))}]\n");
        yield return ("billion laughs", Utf8(laughs.ToString()), StatusCode.InvalidArgument, "too many keys and values");
        yield return ("500k keys", Utf8(string.Concat(Enumerable.Range(0, 500_000).Select(i => $"k{i}: {i}\n"))), StatusCode.InvalidArgument, "too many keys and values");
        yield return ("101 aliases", Utf8("a: &x v\nl: [" + string.Join(", ", Enumerable.Repeat("*x", 101)) + "]\n"), StatusCode.InvalidArgument, "excessive aliasing");
        yield return ("config one byte over 32 MiB", WithComment(validConfig, (int)(Limit - validConfig.Length) + 1), StatusCode.ResourceExhausted, "over the limit of 33554432 bytes");
        yield return ("config of 40 MB", WithComment(validConfig, 40_000_000 - validConfig.Length), StatusCode.ResourceExhausted, "33554432");
    }

    /// <summary>A valid config grown to its length plus <paramref name="extra"/> bytes by a trailing comment.</summary>
    internal static byte[] WithComment(byte[] config, int extra)
    {
        var comment = new byte[extra];
        comment.AsSpan().Fill((byte)'x');
        comment[0] = (byte)'#';
        comment[^1] = (byte)'\n';
        return [.. config, .. comment];
    }

    [Fact]
    public async Task In_maintenance_every_hostile_config_is_refused_the_node_keeps_serving_and_the_disk_is_unchanged()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.22.11", seed: 2211);
        Assert.Equal(NodeStage.Maintenance, h.Node.Stage);
        var disk = DiskDigest(h.Fixture.Disk);
        using var insecure = h.Insecure();
        await RefusesEveryPayloadAsync(insecure, h.Config(), () => Assert.Equal(NodeStage.Maintenance, h.Node.Stage));
        Assert.Equal(disk, DiskDigest(h.Fixture.Disk));
    }

    [Fact]
    public async Task On_a_configured_node_every_hostile_config_is_refused_and_nothing_is_recorded_or_written()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.22.12", seed: 2212);
        await h.InstallAsync();
        var (events, generation, digest) = (h.Node.Journal.ReadAll().Count(), h.Node.StateStore.Generation, h.Node.Config!.Digest);
        using var admin = h.As(Roles.Admin);
        await RefusesEveryPayloadAsync(admin, h.Config(), () => Assert.Equal(NodeStage.Running, h.Node.Stage));
        AssertNothingRecorded(h, events, generation, digest);
    }

    [Fact]
    public async Task A_node_that_cannot_take_a_config_refuses_before_parsing_it()
    {
        // A node behind its API before it has loaded a config (the moment of every boot when the API still speaks
        // maintenance TLS): FailedPrecondition, whatever the bytes are. On main the bytes were parsed first
        // (InvalidArgument here; a deep text killed the process).
        var fixture = await RuntimeFixture.CreateAsync();
        var node = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = fixture.Disk, DiskName = "test.img", Address = "127.0.22.13", Images = fixture.Store,
            Guids = new SeededGuidSource(7), Ids = new SequentialIdSource("op"),
        });
        await using (var server = await NodeServer.StartAsync(new NodeServerOptions
        {
            Runtime = node, Address = System.Net.IPAddress.Parse("127.0.22.13"), Port = 0, Pki = PkiContext.Seeded(99, TimeProvider.System),
        }))
        {
            using var insecure = Support.ApiClient.Open(server.EndPoint, null, null);
            var m = new MachineService.MachineServiceClient(insecure);
            var e = await Assert.ThrowsAsync<RpcException>(async () => await m.ApplyConfigurationAsync(
                new ApplyConfigurationRequest { Data = ByteString.CopyFromUtf8("]]] not yaml {{{") }));
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains("apply-config needs a running node", e.Status.Detail);
            Assert.Single((await m.VersionAsync(new Empty())).Messages);
        }
        await node.DisposeAsync();
        await fixture.DisposeAsync();
    }

    private static async Task RefusesEveryPayloadAsync(GrpcChannel channel, byte[] validConfig, Action stageUnchanged)
    {
        var m = new MachineService.MachineServiceClient(channel);
        var wrong = new List<string>();
        foreach (var (name, data, code, says) in Payloads(validConfig))
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await m.ApplyConfigurationAsync(new ApplyConfigurationRequest { Data = ByteString.CopyFrom(data), Mode = ApplyConfigurationRequest.Types.Mode.Auto },
                    deadline: DateTime.UtcNow.AddSeconds(60));
                wrong.Add($"{name}: accepted");
            }
            catch (RpcException e) when (e.StatusCode != code || !e.Status.Detail.Contains(says, StringComparison.Ordinal))
            {
                wrong.Add($"{name}: {e.StatusCode} \"{e.Status.Detail}\" after {started.Elapsed.TotalSeconds:0.0}s");
            }
            catch (RpcException) { }
            // The node still answers, in the same stage.
            Assert.Single((await m.VersionAsync(new Empty(), deadline: DateTime.UtcNow.AddSeconds(30))).Messages);
            stageUnchanged();
        }
        Assert.Empty(wrong);
    }

    internal static void AssertNothingRecorded(NodeApiHarness h, int eventsBefore, ulong stateGeneration, string configDigest)
    {
        var after = h.Node.Journal.ReadAll().Skip(eventsBefore).ToList();
        Assert.DoesNotContain(after, e => e.ConfigApplied is not null || e.ConfigStaged is not null || e.SequenceStarted is not null);
        Assert.Equal(stateGeneration, h.Node.StateStore.Generation);
        Assert.Equal(configDigest, h.Node.Config!.Digest);
    }

    internal static string DiskDigest(IBlockDevice disk)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[4 << 20];
        for (long at = 0; at < disk.Length; at += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, disk.Length - at);
            disk.Read(at, buffer.AsSpan(0, n));
            sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}
