using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Runtime;
using Talos.Machined.Tests.Support;
using static Talos.Machined.Tests.Api.NodeApiHarness;

namespace Talos.Machined.Tests.Api;

/// <summary>The real daemon as a child process: install over the API, SIGKILL mid-upgrade, restart, consistent.</summary>
public sealed class TheDaemonRecoversFromPowerLoss
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.10.50");

    [Fact]
    public async Task A_daemon_killed_mid_upgrade_comes_back_on_a_slot_matching_its_digest_with_no_open_sequence()
    {
        await using var f = await RuntimeFixture.CreateAsync();   // only its image store is used
        var dir = Directory.CreateTempSubdirectory("talos-daemon-").FullName;
        try
        {
            var pki = new TestPki(50, Address);
            var state = Path.Combine(dir, "state");
            string[] args = ["--disk", Path.Combine(dir, "node.img"), "--address", Address.ToString(), "--port", "0", "--size", "256MiB",
                "--image-store", f.Store.Root, "--state-dir", state];

            using var first = DaemonProcess.Start(args);
            var ep = await first.EndPointAsync(state);
            using (var insecure = ApiClient.Open(ep, null, null))
                await new MachineService.MachineServiceClient(insecure).ApplyConfigurationAsync(new ApplyConfigurationRequest
                {
                    Data = ByteString.CopyFrom(WithCa(RuntimeFixture.Config(), pki)), Mode = ApplyConfigurationRequest.Types.Mode.Auto,
                });
            await UntilRunningAsync(ep, pki, first, s => s.Get("A").Successful);

            // A second daemon on the same disk is refused by the disk lock, with a clear message.
            using (var second = DaemonProcess.Start(["--disk", args[1], "--address", "127.0.10.51", "--port", "0", "--image-store", f.Store.Root]))
            {
                Assert.Equal(1, await second.WaitForExitAsync());
                Assert.Contains("locked by another process", second.Output);
            }

            using (var admin = ApiClient.Open(ep, pki.Client(Roles.Admin), pki.CaCertificate))
            {
                var actor = (await new MachineService.MachineServiceClient(admin).UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2 })).Messages[0].ActorId;
                var seen = await EventsAsync(admin, new EventsRequest { WithActorId = actor },
                    got => got.Any(e => AsNodeEvent(e)?.ImageWrittenToSlot is not null));
                Assert.Contains(seen, e => AsNodeEvent(e)?.ImageWrittenToSlot is not null);
            }
            first.PowerLoss();
            await first.WaitForExitAsync();

            File.Delete(Path.Combine(state, "machined.endpoint"));
            using var again = DaemonProcess.Start(args);
            ep = await again.EndPointAsync(state);
            var slots = await UntilRunningAsync(ep, pki, again, _ => true);
            using (var admin = ApiClient.Open(ep, pki.Client(Roles.Admin), pki.CaCertificate))
            {
                var events = await EventsAsync(admin, new EventsRequest { TailEvents = -1 }, _ => false, seconds: 5);
                var booted = events.Select(AsNodeEvent).Last(e => e?.Booted is not null)!.Booted;
                var slot = slots.Get(booted.Slot == Talos.Api.Events.Slot.A ? "A" : "B");
                Assert.True(slot.Booted);
                Assert.Equal("sha256:" + booted.MeasuredDigest, slot.ImageDigest);
                Assert.True(slot.ImageVersion is "v1.9.0" or "v1.9.1", slot.ImageVersion);
                // The interrupted upgrade is in the history (so the check below is not vacuous) and is closed.
                Assert.Contains(events, e => e.Data.TypeUrl == "talos/runtime/machine.SequenceEvent" &&
                    SequenceEvent.Parser.ParseFrom(e.Data.Value) is { Sequence: "upgrade", Action: SequenceEvent.Types.Action.Start });
                Assert.Empty(OpenSequences(events));
            }

            again.Terminate();
            Assert.Equal(0, await again.WaitForExitAsync());
            Assert.Contains("signal received", again.Output);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Actors whose sequence started and neither stopped nor was abandoned.</summary>
    private static List<string> OpenSequences(List<Talos.Api.Machine.Event> events)
    {
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Data.TypeUrl == "talos/runtime/machine.SequenceEvent")
            {
                var s = SequenceEvent.Parser.ParseFrom(e.Data.Value);
                open[e.ActorId] = open.GetValueOrDefault(e.ActorId) + (s.Action == SequenceEvent.Types.Action.Start ? 1 : -1);
            }
            else if (AsNodeEvent(e)?.SequenceAbandoned is not null)
                open[e.ActorId] = open.GetValueOrDefault(e.ActorId) - 1;
        }
        return open.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToList();
    }

    private sealed record Slots(IReadOnlyDictionary<string, BootSlotSpec> ById)
    {
        public BootSlotSpec Get(string id) => ById[id];
    }

    /// <summary>Polls over mutual TLS until MachineStatus is Running, no sequence holds the node, and <paramref name="done"/>.</summary>
    private static async Task<Slots> UntilRunningAsync(IPEndPoint ep, TestPki pki, DaemonProcess d, Func<Slots, bool> done, int seconds = 90)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var last = "";
        while (!cts.IsCancellationRequested)
        {
            try
            {
                using var ch = ApiClient.Open(ep, pki.Client(Roles.Reader), pki.CaCertificate);
                var status = MachineStatusSpec.Parser.ParseFrom((await GetAsync(ch, ResourceTypes.MachineStatus, "machine")).Spec.ProtoSpec);
                var list = new State.StateClient(ch).List(new ListRequest { Type = ResourceTypes.BootSlot });
                var slots = new Slots(await list.ResponseStream.ReadAllAsync()
                    .ToDictionaryAsync(r => r.Resource.Metadata.Id, r => BootSlotSpec.Parser.ParseFrom(r.Resource.Spec.ProtoSpec)));
                last = $"stage {status.Stage}, ready {status.Status.Ready}";
                if (status.Stage == MachineStage.Running && status.Status.Ready && done(slots)) return slots;
            }
            catch (RpcException e) { last = e.Status.ToString(); }
            await Task.Delay(200);
        }
        Assert.Fail($"the daemon did not come back running ({last}):\n{d.Output}");
        return null!;
    }
}
