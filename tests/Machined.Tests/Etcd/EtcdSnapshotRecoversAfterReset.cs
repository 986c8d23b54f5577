using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Common;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Etcd;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Api;
using Talos.Machined.Tests.Runtime;

namespace Talos.Machined.Tests.Etcd;

/// <summary>
/// One control plane behind the real API (Kestrel, mutual TLS): bootstrap → snapshot → reset wiping EPHEMERAL (the
/// etcd data is really gone) → a corrupted upload is refused and changes nothing → bootstrap --recover-from restores.
/// </summary>
public sealed class EtcdSnapshotRecoversAfterReset
{
    [Fact]
    public async Task Snapshot_reset_then_bootstrap_with_recovery_restores_the_data_and_a_corrupted_snapshot_changes_nothing()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.102.10", seed: 12);
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);

        // Snapshot and recover-bootstrap before any data: clear refusals.
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => Download(m))).StatusCode);
        await m.BootstrapAsync(new BootstrapRequest());
        var member = Assert.Single((await m.EtcdMemberListAsync(new EtcdMemberListRequest())).Messages[0].Members);
        Assert.Equal(("node1", "https://127.0.102.10:2380", false), (member.Hostname, member.PeerUrls[0], member.IsLearner));

        var snapshot = await Download(m);
        var before = EtcdSnapshotFile.Read(snapshot, skipHashCheck: false);
        Assert.Equal(member.Id, Assert.Single(before.Members).Id);
        var clusterIdKey = before.Keys[EtcdEngine.ClusterIdKey];

        // A reset that wipes EPHEMERAL really loses etcd's data (graceful: the sole member dissolves the cluster).
        await m.ResetAsync(new ResetRequest { Graceful = true, Reboot = true, SystemPartitionsToWipe = { new ResetPartitionSpec { Label = "EPHEMERAL", Wipe = true } } });
        await h.WaitForAsync(() => h.Node.State.Counters.Resets == 1 && h.Node.Stage == NodeStage.Running &&
                                   h.Node.Services?.Find("etcd")?.State == Talos.Machined.Services.ServiceState.Running, "reset and reboot");
        Assert.Null(h.Node.Etcd.Local());
        using var admin2 = h.As(Roles.Admin);
        m = new MachineService.MachineServiceClient(admin2);
        Assert.Empty((await m.EtcdMemberListAsync(new EtcdMemberListRequest())).Messages[0].Members);

        // A corrupted upload: InvalidArgument at bootstrap, no data written, the node still not bootstrapped.
        var corrupted = snapshot.ToArray();
        corrupted[EtcdData.HeaderSize + 3] ^= 0xFF;
        await Upload(m, corrupted);
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await m.BootstrapAsync(new BootstrapRequest { RecoverEtcd = true }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("SHA-256", bad.Status.Detail);
        Assert.Null(h.Node.Etcd.Local());
        Assert.False(h.Node.State.Bootstrapped);

        // The good snapshot restores the keys and the revision, with this node as the only member.
        await Upload(m, snapshot);
        await m.BootstrapAsync(new BootstrapRequest { RecoverEtcd = true });
        var after = EtcdSnapshotFile.Read(await Download(m), skipHashCheck: false);
        Assert.Equal(clusterIdKey, after.Keys[EtcdEngine.ClusterIdKey]);
        Assert.Equal(before.Keys["/talos/bootstrap"], after.Keys["/talos/bootstrap"]);
        Assert.Equal(before.Revision + 1, after.Revision);
        Assert.Equal("https://127.0.102.10:2380", Assert.Single(after.Members).PeerUrl);
        Assert.True(h.Node.State.Bootstrapped);
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(async () =>
            await m.BootstrapAsync(new BootstrapRequest { RecoverEtcd = true }))).StatusCode);

        // Admin-only operations answer upstream's shapes: forfeit on the only member moves nothing; unknown ids are NotFound.
        Assert.Equal("", (await m.EtcdForfeitLeadershipAsync(new EtcdForfeitLeadershipRequest())).Messages[0].Member);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(async () =>
            await m.EtcdRemoveMemberByIDAsync(new EtcdRemoveMemberByIDRequest { MemberId = 0x1234 }))).StatusCode);
        using var reader = h.As(Roles.Reader);
        await CosiShowsMembersAndTheRealGptAsync(h, reader, after);

        // A plain upgrade of the only etcd member is refused (issue #22 item 5, upstream's ValidateForUpgrade); --force
        // skips the etcd checks as upstream's does, and without --preserve EPHEMERAL is wiped at the switch: etcd's
        // data is gone on the new slot too.
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(async () =>
            await m.UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2 }))).StatusCode);
        await m.UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2, Force = true });
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Node.State.SlotB.Successful && h.Node.Etcd.Local() is null, "upgrade to slot B without --preserve");
        Assert.False(h.Node.State.Bootstrapped);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(async () =>
            await new MachineService.MachineServiceClient(reader).EtcdLeaveClusterAsync(new EtcdLeaveClusterRequest()))).StatusCode);
    }

    /// <summary>get members|blockdevices|partitions: the etcd list as held, and the disk's partitions as its GPT says.</summary>
    private static async Task CosiShowsMembersAndTheRealGptAsync(NodeApiHarness h, Grpc.Net.Client.GrpcChannel reader, EtcdData etcd)
    {
        var state = new Talos.Api.Cosi.State.StateClient(reader);
        async Task<List<Talos.Api.Cosi.Resource>> List(string type) =>
            await state.List(new Talos.Api.Cosi.ListRequest { Type = type }).ResponseStream.ReadAllAsync().Select(r => r.Resource).ToListAsync();
        var member = Talos.Api.Cosi.EtcdMemberSpec.Parser.ParseFrom(Assert.Single(await List("members")).Spec.ProtoSpec);
        Assert.Equal((etcd.Members[0].Id.ToString("x"), "node1", true), (member.MemberId, member.Hostname, member.IsLeader));
        var disk = Talos.Api.Cosi.BlockDeviceSpec.Parser.ParseFrom(Assert.Single(await List("blockdevices")).Spec.ProtoSpec);
        Assert.Equal(((ulong)(256L << 20), "gpt"), (disk.Size, disk.PartitionTable));
        var gpt = Talos.Partitions.Gpt.GptDisk.Read(h.Fixture.Disk).Table;
        var parts = (await List("partitions")).Select(r => Talos.Api.Cosi.PartitionSpec.Parser.ParseFrom(r.Spec.ProtoSpec)).ToList();
        Assert.Equal(gpt.Partitions.Select(p => p.Name).Order(), parts.Select(p => p.Label).Order());
        var eph = gpt.Find("EPHEMERAL")!;
        var spec = parts.Single(p => p.Label == "EPHEMERAL");
        Assert.Equal(((ulong)eph.FirstLba * 512, (ulong)eph.SectorCount * 512, eph.TypeGuid.ToString().ToUpperInvariant()), (spec.Offset, spec.Size, spec.TypeGuid));
    }

    internal static async Task<byte[]> Download(MachineService.MachineServiceClient m)
    {
        using var call = m.EtcdSnapshot(new EtcdSnapshotRequest());
        using var ms = new MemoryStream();
        await foreach (var d in call.ResponseStream.ReadAllAsync()) ms.Write(d.Bytes.Span);
        return ms.ToArray();
    }

    internal static async Task Upload(MachineService.MachineServiceClient m, byte[] snapshot)
    {
        using var call = m.EtcdRecover();
        await call.RequestStream.WriteAsync(new Data { Bytes = ByteString.CopyFrom(snapshot) });
        await call.RequestStream.CompleteAsync();
        await call;
    }
}
