using Talos.Sequencer.Errors;
using Talos.Sequencer.Locking;
using Talos.Sequencer.Model;

namespace Talos.Sequencer.Tests;

public class PriorityLockTests
{
    // Upstream's table (talos-internals.md §1.4), typed in independently of TakeoverTable: running ⇒ pre-emptable by.
    private static readonly Dictionary<SequenceName, SequenceName[]> Expected = new()
    {
        [SequenceName.Initialize] = [SequenceName.MaintenanceUpgrade, SequenceName.Reboot, SequenceName.EmergencyVolumeCleanup],
        [SequenceName.Boot] = [SequenceName.Reboot, SequenceName.Reset, SequenceName.Upgrade, SequenceName.EmergencyVolumeCleanup],
        [SequenceName.Reboot] = [SequenceName.Reboot],
        [SequenceName.Reset] = [SequenceName.Reboot],
        [SequenceName.ApplyConfig] = [SequenceName.Reboot], // project addition
    };

    private static readonly SequenceName[] Kinds = Enum.GetValues<SequenceName>().Where(n => n != SequenceName.Noop).ToArray();

    public static IEnumerable<object[]> Cells() =>
        from r in Kinds from q in Kinds select new object[] { r, q };

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Every_cell_of_the_takeover_table_is_enforced_by_the_lock(SequenceName running, SequenceName requested)
    {
        var allowed = Expected.TryGetValue(running, out var by) && by.Contains(requested);
        Assert.Equal(allowed, TakeoverTable.MayPreempt(running, requested));

        var lk = new PriorityLock<SequenceName>(TakeoverTable.MayPreempt, TimeProvider.System, TimeSpan.FromSeconds(10), n => n.Wire());
        var victim = await lk.AcquireAsync(running, "victim", takeover: false, CancellationToken.None);
        // The victim releases as soon as it is cancelled, as a runner does at the next phase boundary.
        victim.Token.Register(victim.Dispose);
        if (allowed)
        {
            using var lease = await lk.AcquireAsync(requested, "winner", takeover: false, CancellationToken.None);
            Assert.True(victim.Token.IsCancellationRequested);
            Assert.Equal((requested, "winner"), lk.Holder);
        }
        else
        {
            var ex = await Assert.ThrowsAsync<SequenceLockedException>(() => lk.AcquireAsync(requested, "loser", false, CancellationToken.None));
            Assert.Equal($"sequence {requested.Wire()} not started: locked by running sequence {running.Wire()}; wait for it to finish or request a takeover", ex.Message);
            Assert.False(victim.Token.IsCancellationRequested);
            Assert.Equal((running, "victim"), lk.Holder);
            // An explicit takeover always wins.
            using var forced = await lk.AcquireAsync(requested, "forced", takeover: true, CancellationToken.None);
            Assert.True(victim.Token.IsCancellationRequested);
            Assert.Equal((requested, "forced"), lk.Holder);
        }
    }

    [Fact]
    public async Task An_idle_lock_grants_anything_and_release_makes_it_idle_again()
    {
        var lk = new PriorityLock<SequenceName>(TakeoverTable.MayPreempt, TimeProvider.System, TimeSpan.FromSeconds(1));
        var a = await lk.AcquireAsync(SequenceName.Upgrade, "a", false, CancellationToken.None);
        a.Dispose();
        Assert.Null(lk.Holder);
        using var b = await lk.AcquireAsync(SequenceName.Install, "b", false, CancellationToken.None);
        Assert.Equal((SequenceName.Install, "b"), lk.Holder);
    }

    [Fact]
    public async Task A_victim_that_does_not_release_within_the_budget_makes_the_takeover_time_out()
    {
        var time = new ManualTime();
        var lk = new PriorityLock<SequenceName>(TakeoverTable.MayPreempt, time, TimeSpan.FromMinutes(1));
        using var stubborn = await lk.AcquireAsync(SequenceName.Boot, "boot", false, CancellationToken.None);
        var attempt = lk.AcquireAsync(SequenceName.Reboot, "reboot", false, CancellationToken.None);
        Assert.False(attempt.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));
        var ex = await Assert.ThrowsAsync<LockTimeoutException>(() => attempt);
        Assert.StartsWith("failed to acquire lock: timeout", ex.Message);
        Assert.Equal((SequenceName.Boot, "boot"), lk.Holder);
    }

    [Fact]
    public async Task A_late_release_of_a_preempted_lease_does_not_evict_its_successor()
    {
        var lk = new PriorityLock<SequenceName>(TakeoverTable.MayPreempt, TimeProvider.System, TimeSpan.FromSeconds(10));
        var victim = await lk.AcquireAsync(SequenceName.Boot, "boot", false, CancellationToken.None);
        var winner = lk.AcquireAsync(SequenceName.Reboot, "reboot", false, CancellationToken.None);
        victim.Dispose();
        using var w = await winner;
        victim.Dispose();
        Assert.Equal((SequenceName.Reboot, "reboot"), lk.Holder);
    }
}

/// <summary>A TimeProvider whose clock moves only when told (timers fire on Advance).</summary>
public sealed class ManualTime : TimeProvider
{
    private readonly List<(DateTimeOffset Due, TimerCallback Callback, object? State)> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by)
    {
        _now += by;
        List<(DateTimeOffset, TimerCallback, object?)> due;
        lock (_timers)
        {
            due = _timers.Where(t => t.Due <= _now).ToList();
            _timers.RemoveAll(t => t.Due <= _now);
        }
        foreach (var (_, cb, st) in due) cb(st);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new Timer(this);
        t.Change(dueTime, period, callback, state);
        return t;
    }

    private sealed class Timer(ManualTime owner) : ITimer
    {
        private TimerCallback? _cb;
        private object? _state;
        public void Change(TimeSpan due, TimeSpan period, TimerCallback cb, object? st) { _cb = cb; _state = st; Change(due, period); }
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._timers)
            {
                owner._timers.RemoveAll(t => ReferenceEquals(t.State, this));
                if (dueTime != Timeout.InfiniteTimeSpan && _cb is { } cb)
                    owner._timers.Add((owner._now + dueTime, _ => cb(_state), this));
            }
            return true;
        }
        public void Dispose() { lock (owner._timers) owner._timers.RemoveAll(t => ReferenceEquals(t.State, this)); }
        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}
