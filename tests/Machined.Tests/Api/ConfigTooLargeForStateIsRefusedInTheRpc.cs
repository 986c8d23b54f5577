using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using static Talos.Machined.Tests.Api.HostileConfigIsRefusedBeforeParsing;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Issue 22 item 5: a config that the STATE partition's store cannot hold is refused by the RPC (ResourceExhausted,
/// naming the size and the capacity) before anything is recorded or written. On main it answered "Applied
/// configuration" and the sequence then failed writing STATE. The fixture's 256 MiB disk gets a 5 MiB STATE (slots of
/// 2.5 MiB); a 4 MB config is far under the 32 MiB config limit.
/// </summary>
public sealed class ConfigTooLargeForStateIsRefusedInTheRpc
{
    private const int Extra = 4_000_000;

    [Theory]
    [InlineData(ApplyConfigurationRequest.Types.Mode.Auto)]
    [InlineData(ApplyConfigurationRequest.Types.Mode.Reboot)]
    [InlineData(ApplyConfigurationRequest.Types.Mode.Staged)]
    public async Task A_running_node_refuses_it_and_records_nothing(ApplyConfigurationRequest.Types.Mode mode)
    {
        await using var h = await NodeApiHarness.StartAsync($"127.0.22.{14 + (int)mode}", seed: 2214);
        await h.InstallAsync();
        var (events, generation, digest) = (h.Node.Journal.ReadAll().Count(), h.Node.StateStore.Generation, h.Node.Config!.Digest);
        using var admin = h.As(Roles.Admin);
        var data = WithComment(h.Config(), Extra);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new MachineService.MachineServiceClient(admin)
            .ApplyConfigurationAsync(new ApplyConfigurationRequest { Data = ByteString.CopyFrom(data), Mode = mode }));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains($"the machine config is {data.Length} bytes", e.Status.Detail);
        Assert.Contains($"its store holds {h.Node.StateStore.Capacity} bytes per copy", e.Status.Detail);
        Assert.Contains("nothing was recorded or changed", e.Status.Detail);
        AssertNothingRecorded(h, events, generation, digest);
        Assert.Equal(NodeStage.Running, h.Node.Stage);
    }

    [Fact]
    public async Task A_blank_node_in_maintenance_refuses_it_before_installing()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.22.21", seed: 2221);
        var disk = DiskDigest(h.Fixture.Disk);
        using var insecure = h.Insecure();
        var data = WithComment(h.Config(), Extra);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new MachineService.MachineServiceClient(insecure)
            .ApplyConfigurationAsync(new ApplyConfigurationRequest { Data = ByteString.CopyFrom(data) }));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains($"the machine config is {data.Length} bytes", e.Status.Detail);
        Assert.Equal(NodeStage.Maintenance, h.Node.Stage);
        Assert.Equal(disk, DiskDigest(h.Fixture.Disk));
    }
}
