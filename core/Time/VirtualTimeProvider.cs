namespace Talos.Core.Time;

/// <summary>
/// A virtual clock for simulations and tests: time moves only when <see cref="Advance"/> is called, and timers
/// (so <c>Task.Delay(span, provider)</c>) fire in due-time order, ties broken by creation order — deterministic.
/// </summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<VirtualTimer> _timers = new();
    private DateTimeOffset _now;
    private long _created;

    /// <summary>Starts the clock at <paramref name="start"/> (UTC).</summary>
    public VirtualTimeProvider(DateTimeOffset start) => _now = start.ToUniversalTime();

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() { lock (_gate) return _now; }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() { lock (_gate) return _now.UtcTicks; }

    /// <summary>Number of timers currently armed (tests wait for a delay to be registered before advancing).</summary>
    public int ArmedTimers { get { lock (_gate) return _timers.Count(t => t.Due is not null); } }

    /// <summary>Moves the clock forward, firing every timer that falls due, in order.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), by, "time cannot go backwards");
        DateTimeOffset target;
        lock (_gate) target = _now + by;
        while (true)
        {
            VirtualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due is { } d && d <= target).OrderBy(t => t.Due).ThenBy(t => t.Order).FirstOrDefault();
                if (next is null) { _now = target; return; }
                _now = next.Due!.Value;
                next.Fired();
            }
            next.Callback(next.State);
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            var t = new VirtualTimer(this, callback, state, _created++);
            _timers.Add(t);
            t.ChangeLocked(dueTime, period);
            return t;
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider owner, TimerCallback callback, object? state, long order) : ITimer
    {
        public TimerCallback Callback { get; } = callback;
        public object? State { get; } = state;
        public long Order { get; } = order;
        public DateTimeOffset? Due { get; private set; }
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public void Fired() => Due = _period > TimeSpan.Zero ? Due + _period : null;

        public void ChangeLocked(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate) ChangeLocked(dueTime, period);
            return true;
        }

        public void Dispose() { lock (owner._gate) { Due = null; owner._timers.Remove(this); } }

        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}
