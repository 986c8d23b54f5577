using Talos.Api.Events;
using Talos.Core.State;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Meta;
using Talos.Partitions.Layout;

namespace Talos.Machined.Tests.Runtime;

public sealed class TheNodeInstallsUpgradesAndRollsBack
{
    private static async Task WaitFor(NodeRuntime node, Func<NodeRuntime, bool> done, string what, int seconds = 30)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!done(node))
        {
            if (cts.IsCancellationRequested)
                Assert.Fail($"timed out waiting for {what}; stage {node.Stage}, last error \"{node.State.LastError}\"\n" +
                    string.Join("\n", node.Kernel.Ring.Tail(30)) + "\n--- events:\n" +
                    string.Join("\n", node.Journal.ReadAll().TakeLast(30).Select(e => $"{e.Sequence} {e.PayloadCase} {e}")));
            await Task.Delay(20);
        }
    }

    private static async Task<NodeRuntime> InstalledNode(RuntimeFixture f)
    {
        var node = f.NewNode();
        await node.PowerOnAsync();
        Assert.Equal(NodeStage.Maintenance, node.Stage);
        var applied = await node.ApplyConfigurationAsync(RuntimeFixture.Config(), ApplyMode.Auto, dryRun: false, default);
        Assert.Contains("install", applied.ModeDetails);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.SlotA.Successful, "install + confirmed boot of slot A");
        return node;
    }

    /// <summary>The fold of what is on disk must equal the node's state (invariant 6).</summary>
    private static void AssertDiskFoldEqualsState(RuntimeFixture f, NodeRuntime node)
    {
        using var log = MetaLog.OpenReadOnly(TalosLayout.OpenPartition(f.Disk, "META"));
        Assert.Equal(node.State.Hash, NodeJournal.Fold(log).Hash);
    }

    [Fact]
    public async Task A_blank_disk_boots_into_maintenance_then_installs_and_confirms_slot_A()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        Assert.Equal(Slot.A, node.State.BootedSlot);
        Assert.True(node.State.Installed);
        Assert.Equal("v1.9.0", node.State.SlotA.Version);
        Assert.Empty(node.State.Anomalies);
        Assert.Contains(node.Kernel.Ring.Tail(-1), l => l.Contains("[bootloader] trial boot of slot A"));
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_good_upgrade_writes_B_boots_it_as_a_trial_and_confirms_it()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var op = node.Upgrade(RuntimeFixture.Healthy2, preserve: false, stage: false, force: false);
        Assert.StartsWith("op-", op.ActorId);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.BootedSlot == Slot.B && n.State.SlotB.Successful, "slot B confirmed");
        Assert.Equal("v1.9.1", node.State.BootedVersion);
        Assert.True(node.State.SlotA.Successful);   // the old image stays bootable for a manual rollback
        Assert.Equal(1UL, node.State.Counters.Upgrades);
        Assert.Empty(node.State.Anomalies);
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Theory]
    [InlineData(RuntimeFixture.KubeletBad, RollbackReason.HealthDeadlineExceeded, "service kubelet")]
    [InlineData(RuntimeFixture.MachinedFails, RollbackReason.HealthCheckFailed, "service machined")]
    [InlineData(RuntimeFixture.Hangs, RollbackReason.HealthDeadlineExceeded, "service apid")]
    [InlineData(RuntimeFixture.Panics, RollbackReason.TriesExhausted, "")]
    public async Task A_faulty_upgrade_rolls_back_by_itself_with_evidence(string image, RollbackReason reason, string failedCheck)
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        node.Upgrade(image, preserve: true, stage: false, force: false);
        await WaitFor(node, n => n.State.Counters.Rollbacks == 1 && n.Stage == NodeStage.Running, "automatic rollback", 60);
        Assert.Equal(Slot.A, node.State.BootedSlot);
        Assert.Equal("v1.9.0", node.State.BootedVersion);
        var rolled = node.Journal.ReadAll().Last(e => e.PayloadCase == NodeEvent.PayloadOneofCase.RolledBack).RolledBack;
        Assert.Equal(Slot.B, rolled.From);
        Assert.Equal(Slot.A, rolled.To);
        Assert.Equal(reason, rolled.Reason);
        if (failedCheck.Length > 0) Assert.Contains(failedCheck, rolled.FailedChecks);
        else Assert.Equal(3U, rolled.TriesUsed);   // every try consumed by a panicking boot
        Assert.False(node.State.SlotB.Successful);
        Assert.Equal(0U, node.State.SlotB.Priority);
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task Manual_rollback_returns_to_the_previous_confirmed_slot_and_refuses_when_nothing_is_there()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var refused = Assert.Throws<RollbackRefusedException>(() => node.Rollback());
        Assert.Contains("slot B holds no image", refused.Message);
        node.Upgrade(RuntimeFixture.Healthy2, preserve: true, stage: false, force: false);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.SlotB.Successful, "slot B confirmed");
        node.Rollback();
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.BootedSlot == Slot.A, "rollback to A");
        Assert.Equal("v1.9.0", node.State.BootedVersion);
        Assert.Equal(1UL, node.State.Counters.Rollbacks);
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task Rollback_to_an_image_that_cannot_read_the_current_config_is_refused_unless_forced()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = f.NewNode();
        await node.PowerOnAsync();
        await node.ApplyConfigurationAsync(RuntimeFixture.Config(RuntimeFixture.OldReader), ApplyMode.Auto, dryRun: false, default);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.SlotA.Successful, "install of the old reader on A");
        node.Upgrade(RuntimeFixture.Healthy2, preserve: true, stage: false, force: false);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.SlotB.Successful, "slot B confirmed");
        // The config uses machine.upgrade (our extension); the v1.8.0 image in A declares it reads only v1alpha1.
        var refused = Assert.Throws<RollbackRefusedException>(() => node.Rollback());
        Assert.Equal("rollback refused: slot A (v1.8.0) cannot read the current machine config: it does not know machine.upgrade; use --force to roll back anyway", refused.Message);
        Assert.Equal(Slot.B, node.State.BootedSlot);
        Assert.Equal(0UL, node.State.Counters.Rollbacks);
        node.Rollback(force: true);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.BootedSlot == Slot.A, "forced rollback to A");
        Assert.Equal("v1.8.0", node.State.BootedVersion);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_staged_config_becomes_active_at_the_next_boot_in_the_fold_too()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var staged = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(RuntimeFixture.Config()).Replace("hostname: node1", "hostname: node-staged"));
        await node.ApplyConfigurationAsync(staged, ApplyMode.Staged, dryRun: false, default);
        var stagedDigest = node.State.StagedConfigDigest;
        Assert.NotEqual("", stagedDigest);
        Assert.NotEqual(stagedDigest, node.Config!.Digest);   // not active before the reboot
        var boots = node.State.Counters.Boots;
        node.Reboot();
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.Counters.Boots > boots, "reboot");
        Assert.Equal(stagedDigest, node.Config!.Digest);
        // The fold agrees with the runtime: the staged config is the active one, nothing is pending any more.
        Assert.Equal(stagedDigest, node.State.ConfigDigest);
        Assert.Equal("", node.State.StagedConfigDigest);
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task Reset_preserve_keeps_the_config_and_a_full_reset_returns_to_maintenance()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var digest = node.Config!.Digest;
        node.Reset(graceful: true, reboot: true, labels: ["EPHEMERAL"], fullWipe: false);
        await WaitFor(node, n => n.State.Counters.Resets == 1 && n.Stage == NodeStage.Running, "reset --preserve and reboot");
        Assert.Equal(digest, node.Config!.Digest);
        node.Reset(graceful: true, reboot: true, labels: null, fullWipe: false);
        await WaitFor(node, n => n.State.Counters.Resets == 2 && n.Stage == NodeStage.Maintenance, "full reset into maintenance");
        Assert.Null(node.Config);
        Assert.True(node.State.SlotA.Successful);   // BOOT slots survive every reset
        Assert.Throws<InvalidResetRequestException>(() => node.Reset(true, true, ["META"], false));
        // The log says so too: slot A's system waits in maintenance mode (booted, no config on STATE).
        var entered = node.Journal.ReadAll().Last(e => e.PayloadCase == NodeEvent.PayloadOneofCase.MaintenanceEntered).MaintenanceEntered;
        Assert.Equal((Slot.A, "no machine config on STATE"), (entered.Slot, entered.Reason));
        Assert.True(node.State.InMaintenance);
        Assert.Equal(Slot.A, node.State.BootedSlot);
        AssertDiskFoldEqualsState(f, node);
        // apply-config starts the installed system without a reinstall; the fold leaves maintenance with it.
        var applied = await node.ApplyConfigurationAsync(RuntimeFixture.Config(), ApplyMode.Auto, dryRun: false, default);
        Assert.DoesNotContain("install", applied.ModeDetails);
        await WaitFor(node, n => n.Stage == NodeStage.Running, "configured again");
        Assert.False(node.State.InMaintenance);
        Assert.Equal(digest, node.State.ConfigDigest);
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task Record_count_checkpoints_bound_the_log_and_keep_at_least_1024_events_of_history()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        for (var i = 0; i < 5000; i += 100)
            await node.Journal.AppendAsync(Enumerable.Range(i, 100).Select(k => Talos.Core.Events.NodeEvents.Create(0, TimeProvider.System, "", "",
                e => e.MetaKeySet = new MetaKeySet { Key = 0x20, Value = Google.Protobuf.ByteString.CopyFromUtf8(k.ToString(System.Globalization.CultureInfo.InvariantCulture)) })).ToList(), default);
        var log = node.Journal.Log!;
        Assert.True(log.FirstSequence > 1, "5,000 events and no checkpoint");
        var kept = log.LastSequence - log.FirstSequence + 1;
        Assert.InRange(kept, 1024ul, (ulong)NodeDisk.DefaultMetaCheckpointEveryRecords + 100);
        Assert.Equal("4999", node.State.Meta[0x20].ToStringUtf8());
        AssertDiskFoldEqualsState(f, node);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_staged_upgrade_writes_now_and_switches_at_the_next_reboot()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var op = node.Upgrade(RuntimeFixture.Healthy2, preserve: true, stage: true, force: false);
        await op.Completion;
        await WaitFor(node, n => n.State.SlotB.IsTrial, "slot B staged as the trial");
        Assert.Equal(NodeStage.Running, node.Stage);
        Assert.Equal(Slot.A, node.State.BootedSlot);   // still running the old image
        node.Reboot();
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.BootedSlot == Slot.B && n.State.SlotB.Successful, "switch to B at reboot");
        Assert.Equal("v1.9.1", node.State.BootedVersion);
        await node.DisposeAsync();
    }

    [Theory]
    [InlineData("ghcr.io/siderolabs/installer:v9.9.9", "not found")]
    [InlineData("not a valid reference!", "")]
    public async Task A_bad_or_missing_image_is_refused_and_the_node_is_untouched(string image, string message)
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var before = node.State.SlotB;
        try
        {
            var op = node.Upgrade(image, preserve: true, stage: false, force: false);
            var report = await op.Completion;
            Assert.NotNull(report.Run?.Error);
            if (message.Length > 0) Assert.Contains(message, report.Run!.Error!.ToString(), StringComparison.OrdinalIgnoreCase);
        }
        catch (Talos.Core.Errors.TalosException) { /* refused synchronously: a malformed reference */ }
        catch (ArgumentException) { }
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.Controller.Lock.Holder is null, "the failed upgrade to end");
        Assert.Equal(before, node.State.SlotB);
        Assert.Equal(Slot.A, node.State.BootedSlot);
        Assert.Equal(0UL, node.State.Counters.Upgrades);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_registry_that_is_down_fails_the_upgrade_with_a_clear_error_and_the_file_backed_node_is_untouched()
    {
        var path = Path.Combine(Path.GetTempPath(), $"talos-registry-down-{Environment.ProcessId}.img");
        try
        {
            using var disk = FileBlockDevice.Create(path, 256L << 20);
            await using var f = await RuntimeFixture.CreateAsync(disk);
            var node = await InstalledNode(f);
            await node.DisposeAsync();
            // Same disk, now with an HTTP client: the image is not in the local store, so the node goes to the registry
            // named in the reference, and nothing listens there (a closed loopback port: connection refused).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            node = f.NewNode(http: http);
            await node.PowerOnAsync();
            Assert.Equal(NodeStage.Running, node.Stage);
            var (slotB, hash, sequences) = (node.State.SlotB, node.State.Hash, node.State.Counters.Upgrades);
            var op = node.Upgrade("127.0.4.251:5999/siderolabs/installer:v1.9.1", preserve: true, stage: false, force: false);
            var report = await op.Completion;
            var error = report.Run?.Error?.ToString() ?? "";
            Assert.Contains("127.0.4.251:5999", error);
            Assert.Contains("unavailable", error, StringComparison.OrdinalIgnoreCase);
            await WaitFor(node, n => n.Stage == NodeStage.Running && n.Controller.Lock.Holder is null, "the failed upgrade to end");
            Assert.Equal(slotB, node.State.SlotB);   // not a byte of slot B recorded as written
            Assert.Equal(Slot.A, node.State.BootedSlot);
            Assert.Equal(sequences, node.State.Counters.Upgrades);
            Assert.DoesNotContain(node.Journal.ReadAll(), e => e.PayloadCase == NodeEvent.PayloadOneofCase.ImageWrittenToSlot && e.ImageWrittenToSlot.Slot == Slot.B);
            Assert.NotEqual(hash, node.State.Hash);  // the failed attempt itself is in the history
            await node.DisposeAsync();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_try_mode_config_is_reverted_after_its_timeout_and_a_full_reset_deactivates_the_config()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        var original = node.Config!.Digest;
        var tried = System.Text.Encoding.UTF8.GetString(RuntimeFixture.Config()).Replace("hostname: node1", "hostname: node-try");
        var r = await node.ApplyConfigurationAsync(System.Text.Encoding.UTF8.GetBytes(tried), ApplyMode.Try, false, default, TimeSpan.FromSeconds(1));
        Assert.Equal(ApplyMode.Try, r.Mode);
        Assert.NotEqual(original, node.Config!.Digest);
        await WaitFor(node, n => n.Config?.Digest == original, "try-mode revert", 10);
        Assert.Contains(node.Journal.ReadAll(), e => e.PayloadCase == NodeEvent.PayloadOneofCase.ConfigTryReverted);
        var deactivated = 0;
        node.ConfigDeactivated += () => Interlocked.Increment(ref deactivated);
        node.Reset(graceful: true, reboot: true, labels: null, fullWipe: false);
        await WaitFor(node, n => n.Stage == NodeStage.Maintenance && n.State.Counters.Resets == 1, "reset into maintenance");
        Assert.True(deactivated >= 1);
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_power_loss_is_survived_the_node_comes_back_from_its_disk_alone()
    {
        await using var f = await RuntimeFixture.CreateAsync();
        var node = await InstalledNode(f);
        node.Upgrade(RuntimeFixture.Healthy2, preserve: true, stage: false, force: false);
        await WaitFor(node, n => n.Stage == NodeStage.Running && n.State.SlotB.Successful, "slot B confirmed");
        var hash = node.State.Hash;
        // A new runtime over the same disk: nothing carried over in memory.
        var again = f.NewNode();
        await again.PowerOnAsync();
        Assert.Equal(NodeStage.Running, again.Stage);
        Assert.Equal(Slot.B, again.State.BootedSlot);
        Assert.NotEqual(hash, again.State.Hash);   // one more boot was recorded
        Assert.Equal(node.State.Counters.Boots + 1, again.State.Counters.Boots);
        await again.DisposeAsync();
    }
}

public sealed class TheTaskCatalogueCoversEverySequence
{
    [Fact]
    public async Task Every_task_the_sequence_library_names_has_an_implementation()
    {
        await using var f = await RuntimeFixture.CreateAsync(new Talos.Partitions.Devices.MemoryBlockDevice(64L << 20));
        var node = f.NewNode();
        var missing = Talos.Sequencer.Sequences.TaskDirectory.All.Keys.Where(k => node.Tasks.Find(k) is null).ToList();
        Assert.Empty(missing);
    }
}
