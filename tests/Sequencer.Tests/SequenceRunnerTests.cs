using Talos.Sequencer.Errors;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Model;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;
using Talos.Sequencer.Sequences;
using Talos.Sequencer.Tests.Support;

namespace Talos.Sequencer.Tests;

public class SequenceRunnerTests
{
    [Theory]
    [MemberData(nameof(RequestVariants.Names), MemberType = typeof(RequestVariants))]
    public async Task Every_sequence_runs_to_its_end_recording_each_step_write_ahead(string variant)
    {
        var request = RequestVariants.Get(variant);
        var h = new Harness();
        var report = await h.RunAsync(request);

        var phases = SequenceLibrary.Build(request);
        var lastTask = phases[^1].Tasks[^1].Name;
        var expected = lastTask == "reboot" ? RunResult.Reboot : lastTask == "shutdown" ? RunResult.PowerOff : RunResult.Completed;
        Assert.Equal(expected, report.Result);
        var events = h.Journal.Events;
        Assert.Equal(new SequenceStarted("seq-1", "actor-seq-1", request.Sequence.Wire(), request.Describe()), events[0]);
        Assert.IsType<SequenceCompleted>(events[^1]);
        Assert.All(events, e => Assert.Equal("actor-seq-1", e.ActorId));
        // Every phase that ran has start/stop; every task of it has start before completed.
        var ran = events.OfType<PhaseStarted>().Select(p => p.Phase).ToList();
        var expectedRan = phases.Where(p => p.Condition is null || p.Condition.Predicate(ProbeContext(request))).Select(p => p.Name).ToList();
        Assert.Equal(expectedRan, ran);
        foreach (var p in phases.Where(p => ran.Contains(p.Name)))
            foreach (var t in p.Tasks)
            {
                var s = events.ToList().FindIndex(e => e is TaskStarted ts && ts.Phase == p.Name && ts.Task == t.Name);
                var c = events.ToList().FindIndex(e => e is TaskCompleted tc && tc.Phase == p.Name && tc.Task == t.Name);
                Assert.True(s >= 0 && c > s, $"{p.Name}/{t.Name}: started {s}, completed {c}");
            }
        JournalInvariants.Check(events, h.Catalog);
    }

    private static TaskContext ProbeContext(ISequenceRequest r) =>
        new(r.Sequence, "x", "x", r, "x", "x", 1, new StaticNodeFacts());

    [Theory]
    [MemberData(nameof(RequestVariants.Names), MemberType = typeof(RequestVariants))]
    public async Task Every_sequence_writes_the_same_bytes_to_a_real_file_device_as_to_memory(string variant)
    {
        var request = RequestVariants.Get(variant);
        var mem = new Harness();
        await mem.RunAsync(request);

        var path = Path.Combine(Path.GetTempPath(), $"talos-seq-{variant}-{Environment.ProcessId}.img");
        try
        {
            using var file = Partitions.Devices.FileBlockDevice.Create(path, mem.Disk.Length);
            var journal = new InMemoryJournal();
            var runner = new SequenceRunner(new DiskTaskCatalog(file), journal, TimeProvider.System);
            await runner.RunAsync(request, new RunIdentity("seq-1", "actor-seq-1"), new StaticNodeFacts(), CancellationToken.None);
            Assert.True(file.FlushCount > 0 || !mem.Disk.Bytes.ContainsAnyExcept((byte)0), "disk tasks must fsync the file");
            Assert.Equal(mem.Journal.Events, journal.Events);
            file.Dispose();
            Assert.Equal(mem.Disk.Bytes.ToArray(), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_deferred_condition_is_evaluated_when_the_phase_is_reached_and_a_false_one_skips_it()
    {
        var h = new Harness { Facts = new StaticNodeFacts(Installed: false) };
        await h.RunAsync(new InitializeRequest());
        var phases = h.Journal.Events.OfType<PhaseStarted>().Select(p => p.Phase).ToList();
        Assert.DoesNotContain("cleanupBootloader", phases);
        Assert.DoesNotContain("wipeDisks", phases);
        Assert.Equal(7, h.Journal.Events.OfType<PhaseStarted>().First().Count); // skipped phases still count in N

        var wipe = new Harness { Facts = new StaticNodeFacts(Args: new Dictionary<string, string> { ["talos.experimental.wipe"] = "system" }) };
        var report = await wipe.RunAsync(new InitializeRequest());
        Assert.Equal(RunResult.Reboot, report.Result); // the wipe task asks for a reboot: config is never reached
        Assert.Equal("wipeDisks", wipe.Journal.Events.OfType<PhaseCompleted>().Last().Phase);
    }

    [Fact]
    public async Task A_failing_task_fails_its_phase_and_sequence_with_upstreams_message_and_stops()
    {
        var h = new Harness();
        h.Catalog.Failing.Add("writeBootSlot");
        var report = await h.RunAsync(new InstallRequest("/dev/sda", "img"));
        Assert.Equal(RunResult.Failed, report.Result);
        var ex = Assert.IsType<PhaseFailedException>(report.Error);
        Assert.Equal("error running phase 4 in install sequence: task 1/2: failed, writeBootSlot: injected failure", ex.Message);
        var events = h.Journal.Events;
        Assert.Contains(events, e => e is TaskFailed { Task: "writeBootSlot", Code: FailureCode.Fatal });
        Assert.Contains(events, e => e is PhaseFailed { Phase: "install" });
        var failed = Assert.IsType<SequenceFailed>(events[^1]);
        Assert.Equal(FailureCode.Fatal, failed.Code);
        Assert.DoesNotContain(events, e => e is PhaseStarted { Phase: "meta" });
        JournalInvariants.Check(events, h.Catalog);
    }

    [Fact]
    public async Task A_best_effort_task_failure_is_recorded_but_the_sequence_goes_on()
    {
        var h = new Harness();
        h.Catalog.Failing.Add("stopDbus");
        var report = await h.RunAsync(new ResetRequest());
        Assert.Equal(RunResult.PowerOff, report.Result);
        Assert.Contains(h.Journal.Events, e => e is TaskFailed { Task: "stopDbus" });
        Assert.Contains(h.Journal.Events, e => e is PhaseCompleted { Phase: "dbus" });
        Assert.Equal(DiskTaskCatalog.RegionState.Stamped, h.Catalog.Region("resetSystemDisk"));
    }

    [Fact]
    public async Task The_first_failure_in_a_phase_cancels_its_concurrent_siblings()
    {
        var h = new Harness();
        var siblingCancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Catalog.Before = async (ctx, ct) =>
        {
            if (ctx.Task == "writeBootSlot")
            {
                try { await Task.Delay(Timeout.Infinite, ct); }
                catch (OperationCanceledException) { siblingCancelled.TrySetResult(true); throw; }
            }
            if (ctx.Task == "installBootloader") throw new IOException("bootloader: injected");
        };
        var report = await h.RunAsync(new InstallRequest("/dev/sda", "img"));
        Assert.Equal(RunResult.Failed, report.Result);
        Assert.True(await siblingCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(h.Journal.Events, e => e is TaskFailed { Task: "writeBootSlot", Code: FailureCode.Canceled });
    }

    [Fact]
    public async Task Cancellation_is_observed_between_phases_and_ends_the_run_canceled()
    {
        var h = new Harness();
        using var cts = new CancellationTokenSource();
        h.Catalog.Before = (ctx, _) => { if (ctx.Task == "startDbus") cts.Cancel(); return Task.CompletedTask; };
        var report = await h.Runner.RunAsync(new BootRequest(), new RunIdentity("s", "a"), new StaticNodeFacts(), cts.Token);
        Assert.Equal(RunResult.Canceled, report.Result);
        var events = h.Journal.Events;
        Assert.Contains(events, e => e is PhaseCompleted { Phase: "dbus" }); // the running phase finished
        Assert.DoesNotContain(events, e => e is PhaseStarted { Phase: "ephemeral" });
        Assert.Equal(FailureCode.Canceled, Assert.IsType<SequenceFailed>(events[^1]).Code);
    }

    [Fact]
    public async Task A_task_missing_from_the_catalog_is_a_clear_error()
    {
        var runner = new SequenceRunner(new EmptyCatalog(), new InMemoryJournal(), TimeProvider.System);
        var ex = await Assert.ThrowsAsync<UnknownTaskException>(() =>
            runner.RunAsync(new BootRequest(), new RunIdentity("s", "a"), new StaticNodeFacts(), CancellationToken.None));
        Assert.Equal("memorySizeCheck", ex.Task);
    }

    private sealed class EmptyCatalog : ITaskCatalog
    {
        public ITask? Find(string name) => null;
    }

    [Fact]
    public async Task Two_runs_of_the_same_request_produce_identical_journals_and_disks()
    {
        var a = new Harness();
        var b = new Harness();
        await a.RunAsync(new UpgradeRequest("img:2"));
        await b.RunAsync(new UpgradeRequest("img:2"));
        Assert.Equal(a.Journal.Events, b.Journal.Events);
        Assert.Equal(a.Disk.Bytes.ToArray(), b.Disk.Bytes.ToArray());
    }
}

public class SequenceRunnerLogTests
{
    [Fact]
    public async Task The_runner_logs_each_phase_with_its_position_and_skipped_phases_with_their_condition()
    {
        var lines = new List<string>();
        var catalog = new DiskTaskCatalog(new Partitions.Devices.MemoryBlockDevice(DiskTaskCatalog.RequiredLength(512)));
        var runner = new SequenceRunner(catalog, new InMemoryJournal(), TimeProvider.System, lines.Add);
        await runner.RunAsync(new InitializeRequest(), new RunIdentity("s", "a"), new StaticNodeFacts(Installed: false), CancellationToken.None);
        Assert.Equal("sequence initialize started (7 phases)", lines[0]);
        Assert.Contains("phase meta (3/7): 1 task(s)", lines);
        Assert.Contains("phase cleanupBootloader (4/7): skipped (installed is false)", lines);
        Assert.Contains(lines, l => l.StartsWith("phase config (7/7): done, ", StringComparison.Ordinal));
        Assert.Equal("sequence initialize completed (done)", lines[^1]);
    }
}

public class PauseOnFailureTests
{
    [Fact]
    public async Task A_pause_on_failure_task_records_its_failure_waits_35_minutes_of_injected_time_then_fails_the_phase()
    {
        var time = new ManualTime();
        var journal = new InMemoryJournal();
        var catalog = new DiskTaskCatalog(new Partitions.Devices.MemoryBlockDevice(DiskTaskCatalog.RequiredLength(512)));
        catalog.Failing.Add("writeUserFiles");
        var lines = new List<string>();
        var runner = new SequenceRunner(catalog, journal, time, l => { lock (lines) lines.Add(l); });
        var run = runner.RunAsync(new BootRequest(), new RunIdentity("s", "a"), new StaticNodeFacts(), CancellationToken.None);

        for (var i = 0; i < 500 && !journal.Events.Any(e => e is TaskFailed { Task: "writeUserFiles" }); i++) await Task.Delay(10);
        Assert.Contains(journal.Events, e => e is TaskFailed { Task: "writeUserFiles" });
        await Task.Delay(50);
        Assert.False(run.IsCompleted, "the phase must wait out the pause");
        Assert.DoesNotContain(journal.Events, e => e is PhaseFailed);
        lock (lines) Assert.Contains("task writeUserFiles failed, rebooting in 35 minutes. You can use talosctl apply-config or talosctl edit mc to fix the issues", lines);

        time.Advance(TimeSpan.FromMinutes(34));
        await Task.Delay(50);
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));
        var report = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RunResult.Failed, report.Result);
        Assert.Contains(journal.Events, e => e is PhaseFailed { Phase: "userSetup" });
        Assert.DoesNotContain(journal.Events, e => e is PhaseStarted { Phase: "startEverything" });
    }

    [Fact]
    public async Task Cancellation_ends_the_pause_early()
    {
        var time = new ManualTime();
        var journal = new InMemoryJournal();
        var catalog = new DiskTaskCatalog(new Partitions.Devices.MemoryBlockDevice(DiskTaskCatalog.RequiredLength(512)));
        catalog.Failing.Add("mountUserDisks");
        using var cts = new CancellationTokenSource();
        var run = new SequenceRunner(catalog, journal, time).RunAsync(new BootRequest(), new RunIdentity("s", "a"), new StaticNodeFacts(), cts.Token);
        for (var i = 0; i < 500 && !journal.Events.Any(e => e is TaskFailed); i++) await Task.Delay(10);
        cts.Cancel();
        var report = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RunResult.Failed, report.Result);
        Assert.Contains("mountUserDisks", report.Error!.Message);
    }
}
