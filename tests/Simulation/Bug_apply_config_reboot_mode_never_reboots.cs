using Talos.Api.Events;
using Talos.Machined.Runtime;

namespace Talos.Simulation.Tests;

/// <summary>
/// Found by the simulator (issue #11): apply-config --mode=reboot runs the applyConfig-reboot sequence, whose last task
/// returns the Reboot outcome, but NodeRuntime.ApplyConfigurationAsync (machined/Runtime/NodeRuntime.Operations.cs,
/// "var report = await handle.Completion; Finish(report);") never acts on it (only ContinueAfterAsync reboots): the
/// node stays "Running" with every service stopped and the new config is only picked up at the next unrelated reboot.
/// </summary>
public sealed class Bug_apply_config_reboot_mode_never_reboots
{
    [Fact]
    public Task Apply_config_in_reboot_mode_reboots_the_node() => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var node = new SimNode(images, new SimRng(5), SimOptions.DefaultDiskBytes);
        Assert.True(await node.PowerOnAsync());
        var changes = node.StageChanges;
        var t = node.Runtime.ApplyConfigurationAsync(SimImages.Config("node1"), ApplyMode.Auto, false, CancellationToken.None);
        Assert.True(await node.DriveAsync(() => t.IsCompleted, "install"));
        Assert.True(await node.SettleAsync(changes, expectChange: true, "install"));
        Assert.Equal(NodeStage.Running, node.Runtime.Stage);
        var boots = node.Runtime.State.Counters.Boots;
        var apply = node.Runtime.ApplyConfigurationAsync(SimImages.Config("node2"), ApplyMode.Reboot, false, CancellationToken.None);
        Assert.True(await node.DriveAsync(() => apply.IsCompleted, "apply --mode=reboot"));
        await SimScheduler.QuiesceAsync();
        Assert.True(await node.SettleAsync(node.StageChanges, expectChange: false, "after apply"));
        Assert.True(node.Runtime.State.Counters.Boots > boots, $"apply-config --mode=reboot did not reboot: boots {node.Runtime.State.Counters.Boots}, stage {node.Runtime.Stage}, services {(node.Runtime.Services is null ? "none" : "present")}");
    });
}
