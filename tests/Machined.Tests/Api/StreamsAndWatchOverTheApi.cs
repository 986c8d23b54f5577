using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Runtime;
using static Talos.Machined.Tests.Api.NodeApiHarness;

namespace Talos.Machined.Tests.Api;

/// <summary>Follow streams (Dmesg, Logs, Events) and COSI Watch deliver what happens after they start.</summary>
public sealed class StreamsAndWatchOverTheApi
{
    [Fact]
    public async Task Dmesg_logs_events_follow_and_a_watch_sees_a_meta_key_appear_and_go()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.6", seed: 16);
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Dmesg: the whole ring in upstream's line format; with tail+follow only what comes next.
        using (var all = m.Dmesg(new DmesgRequest()))
        {
            var lines = await all.ResponseStream.ReadAllAsync().Select(d => d.Bytes.ToStringUtf8()).ToListAsync();
            Assert.Contains(lines, l => l.StartsWith("kern:    info: [", StringComparison.Ordinal) && l.Contains("[bootloader]"));
        }
        using (var follow = m.Dmesg(new DmesgRequest { Follow = true, Tail = true }, cancellationToken: cts.Token))
        {
            var next = follow.ResponseStream.MoveNext(cts.Token);
            await Task.Delay(100);   // let the stream subscribe before the message is written
            h.Node.Kernel.Talos("marker-after-follow");
            Assert.True(await next);
            Assert.Contains("marker-after-follow", follow.ResponseStream.Current.Bytes.ToStringUtf8());
        }

        // Watch MetaKeys with bootstrap contents: created, then destroyed.
        using var watch = new State.StateClient(admin).Watch(new WatchRequest
        {
            Type = ResourceTypes.MetaKey, Options = new WatchOptions { BootstrapContents = true }, ApiVersion = 1,
        }, cancellationToken: cts.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(EventType.Bootstrapped, watch.ResponseStream.Current.Event[^1].EventType);
        var events = m.Events(new EventsRequest(), cancellationToken: cts.Token);   // only new events
        Assert.True(await events.ResponseStream.MoveNext(cts.Token));                // hello
        Assert.Equal("", events.ResponseStream.Current.Data?.TypeUrl ?? "");

        await m.MetaWriteAsync(new MetaWriteRequest { Key = 0x21, Value = ByteString.CopyFromUtf8("v") });
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        var created = Assert.Single(watch.ResponseStream.Current.Event);
        Assert.Equal((EventType.Created, "0x21"), (created.EventType, created.Resource.Metadata.Id));
        Assert.True(await events.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(0x21u, AsNodeEvent(events.ResponseStream.Current)!.MetaKeySet.Key);

        await m.MetaDeleteAsync(new MetaDeleteRequest { Key = 0x21 });
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(EventType.Destroyed, Assert.Single(watch.ResponseStream.Current.Event).EventType);
        events.Dispose();
    }

    [Fact]
    public async Task Apply_on_a_running_node_dry_run_reports_the_diff_and_changes_nothing_and_a_reader_may_not_apply()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.10.7", seed: 17);
        await h.InstallAsync();
        using var admin = h.As(Roles.Admin);
        var m = new MachineService.MachineServiceClient(admin);
        var digest = h.Node.State.ConfigDigest;
        var changed = System.Text.Encoding.UTF8.GetString(h.Config()).Replace("hostname: node1", "hostname: node2", StringComparison.Ordinal);
        var dry = (await m.ApplyConfigurationAsync(new ApplyConfigurationRequest
        {
            Data = ByteString.CopyFromUtf8(changed), Mode = ApplyConfigurationRequest.Types.Mode.Auto, DryRun = true,
        })).Messages[0];
        Assert.Contains("machine.network.hostname", dry.ModeDetails);
        Assert.Equal(digest, h.Node.State.ConfigDigest);

        var applied = (await m.ApplyConfigurationAsync(new ApplyConfigurationRequest
        {
            Data = ByteString.CopyFromUtf8(changed), Mode = ApplyConfigurationRequest.Types.Mode.Auto,
        })).Messages[0];
        Assert.Equal(ApplyConfigurationRequest.Types.Mode.NoReboot, applied.Mode);
        Assert.NotEqual(digest, h.Node.State.ConfigDigest);
        Assert.Equal("node2", (await m.HostnameAsync(new Empty())).Messages[0].Hostname_);

        // A reader may not apply a config on a configured node.
        using var reader = h.As(Roles.Reader);
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await new MachineService.MachineServiceClient(reader)
            .ApplyConfigurationAsync(new ApplyConfigurationRequest { Data = ByteString.CopyFromUtf8(changed) }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(NodeStage.Running, h.Node.Stage);
    }
}
