using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Runtime;
using static Talos.Machined.Tests.Api.NodeApiHarness;

namespace Talos.Machined.Tests.Api;

/// <summary>Maintenance → apply-config → install → reboot → running, then the mTLS API over the running node.</summary>
public sealed class TheNodeApiServesTheRuntime
{
    private static MachineService.MachineServiceClient Machine(Grpc.Net.Client.GrpcChannel ch) => new(ch);

    [Fact]
    public async Task Maintenance_apply_install_reboot_running_then_mutual_TLS_calls_work()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.1", seed: 11);
        Assert.Equal(NodeStage.Maintenance, h.Node.Stage);
        using (var insecure = h.Insecure())
        {
            var v = await Machine(insecure).VersionAsync(new Empty());
            Assert.Equal("maintenance", v.Messages[0].Platform.Mode);
            var bad = await Assert.ThrowsAsync<RpcException>(async () => await Machine(insecure).ApplyConfigurationAsync(
                new ApplyConfigurationRequest { Data = ByteString.CopyFromUtf8("version: v1alpha1\nmachine:\n  type: nonsense\n") }));
            Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
            Assert.Equal(NodeStage.Maintenance, h.Node.Stage);   // bad input changes nothing
        }
        await h.InstallAsync();

        using var admin = h.As(Roles.Admin);
        var version = await Machine(admin).VersionAsync(new Empty());
        Assert.Equal("metal", version.Messages[0].Platform.Mode);
        Assert.True(version.Messages[0].Features.Rbac);

        var services = (await Machine(admin).ServiceListAsync(new Empty())).Messages[0].Services;
        Assert.Contains(services, s => s.Id == "etcd" && s.State == "Running" && s.Health.Healthy);
        Assert.Contains(services, s => s.Id == "kubelet" && s.Events.Events.Count > 0);

        var events = await EventsAsync(admin, new EventsRequest { TailEvents = -1 },
            got => got.Any(e => AsNodeEvent(e)?.BootConfirmed is not null));
        var confirmed = events.Select(AsNodeEvent).First(e => e?.BootConfirmed is not null)!;
        Assert.Equal(Talos.Api.Events.Slot.A, confirmed.BootConfirmed.Slot);
        Assert.Contains(events, e => e.Data.TypeUrl == "talos/runtime/machine.SequenceEvent" &&
            SequenceEvent.Parser.ParseFrom(e.Data.Value) is { Sequence: "install", Action: SequenceEvent.Types.Action.Start });
        Assert.Contains(events, e => e.Data.TypeUrl == "talos/runtime/machine.ServiceStateEvent");
        Assert.All(events, e => Assert.True(ulong.Parse(e.Id) > 0));
        Assert.Equal(events.Select(e => ulong.Parse(e.Id)).Order(), events.Select(e => ulong.Parse(e.Id)));

        var slotA = BootSlotSpec.Parser.ParseFrom((await GetAsync(admin, ResourceTypes.BootSlot, "A")).Spec.ProtoSpec);
        Assert.True(slotA.Successful && slotA.Booted);
        Assert.Equal("sha256:" + h.Node.State.SlotA.Digest, slotA.ImageDigest);
        Assert.Equal("v1.9.0", slotA.ImageVersion);
        var status = MachineStatusSpec.Parser.ParseFrom((await GetAsync(admin, "machinestatus", "machine")).Spec.ProtoSpec);
        Assert.Equal(MachineStage.Running, status.Stage);
        Assert.True(status.Status.Ready, string.Join("; ", status.Status.UnmetConditions));
    }

    [Fact]
    public async Task Operations_services_meta_etcd_and_client_configuration_over_the_api()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.2", seed: 12);
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = Machine(admin);

        // Services: unknown id is NotFound; stop/start are recorded and visible.
        var nf = await Assert.ThrowsAsync<RpcException>(async () => await m.ServiceStopAsync(new ServiceStopRequest { Id = "nginx" }));
        Assert.Equal(StatusCode.NotFound, nf.StatusCode);
        Assert.Contains("kubelet", nf.Status.Detail);
        await m.ServiceStopAsync(new ServiceStopRequest { Id = "kubelet" });
        Assert.Equal(Talos.Machined.Services.ServiceState.Finished, h.Node.Services!.Find("kubelet")!.State);
        await m.ServiceStartAsync(new ServiceStartRequest { Id = "kubelet" });
        Assert.Equal(Talos.Machined.Services.ServiceState.Running, h.Node.Services!.Find("kubelet")!.State);

        // Logs: tail 0 = nothing, -1 = everything, 2 = the last two.
        async Task<List<string>> Logs(int tail)
        {
            using var call = m.Logs(new LogsRequest { Namespace = "system", Id = "kubelet", TailLines = tail });
            return await call.ResponseStream.ReadAllAsync().Select(d => d.Bytes.ToStringUtf8()).ToListAsync();
        }
        Assert.Empty(await Logs(0));
        var all = await Logs(-1);
        Assert.True(all.Count > 2);
        Assert.Equal(all.TakeLast(2), await Logs(2));
        Assert.All(all, l => Assert.EndsWith("\n", l));

        // META keys through the log.
        await m.MetaWriteAsync(new MetaWriteRequest { Key = 0x0a, Value = ByteString.CopyFromUtf8("hello") });
        Assert.Equal("hello", MetaKeySpec.Parser.ParseFrom((await GetAsync(admin, ResourceTypes.MetaKey, "0x0a")).Spec.ProtoSpec).Value);
        await m.MetaDeleteAsync(new MetaDeleteRequest { Key = 0x0a });
        var gone = await Assert.ThrowsAsync<RpcException>(async () => await m.MetaDeleteAsync(new MetaDeleteRequest { Key = 0x0a }));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        var badKey = await Assert.ThrowsAsync<RpcException>(async () => await m.MetaWriteAsync(new MetaWriteRequest { Key = 300 }));
        Assert.Equal(StatusCode.InvalidArgument, badKey.StatusCode);

        // Bootstrap once; the second is AlreadyExists; the member list shows this node.
        await m.BootstrapAsync(new BootstrapRequest());
        var again = await Assert.ThrowsAsync<RpcException>(async () => await m.BootstrapAsync(new BootstrapRequest()));
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.True(h.Node.State.Bootstrapped);
        var members = (await m.EtcdMemberListAsync(new EtcdMemberListRequest())).Messages[0].Members;
        Assert.Equal("https://127.0.10.2:2379", Assert.Single(members).ClientUrls[0]);

        // A reader certificate issued by the node works for reads and is refused for writes.
        var gen = (await m.GenerateClientConfigurationAsync(new GenerateClientConfigurationRequest
        {
            Roles = { Roles.Reader }, CrtTtl = Duration.FromTimeSpan(TimeSpan.FromHours(1)),
        })).Messages[0];
        Assert.Contains("context: demo", gen.Talosconfig.ToStringUtf8());
        var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(gen.Crt.ToStringUtf8(), gen.Key.ToStringUtf8());
        using var reader = Support.ApiClient.Open(h.Server.EndPoint, cert, h.Pki.CaCertificate);
        Assert.Single((await Machine(reader).VersionAsync(new Empty())).Messages);
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await Machine(reader).MetaWriteAsync(new MetaWriteRequest { Key = 1 }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        // The machine config is redacted for the reader and complete for the admin.
        var redacted = (await GetAsync(reader, ResourceTypes.MachineConfig, "v1alpha1")).Spec.YamlSpec;
        var full = (await GetAsync(admin, ResourceTypes.MachineConfig, "v1alpha1")).Spec.YamlSpec;
        var caKey = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(h.Pki.Ca.KeyPem));
        Assert.Contains(caKey, full);
        Assert.DoesNotContain(caKey, redacted);
        Assert.Contains(NodeResources.Redacted, redacted);
    }
}
