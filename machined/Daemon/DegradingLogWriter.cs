using System.Text;

namespace Talos.Machined.Daemon;

/// <summary>
/// The daemon's stdout/stderr (its log file when <c>cluster create</c> starts it) that degrades instead of killing the
/// node (issue #22 item 6): a write that fails with an <see cref="IOException"/> (disk full, read-only file system,
/// a closed pipe) drops the line, counts it, and reports the outage once through <see cref="Unavailable"/> (the daemon
/// points it at the kernel ring, which <c>talosctl dmesg</c> reads). Every later line tries the file again; the first one
/// that gets through is preceded by a line saying how many were dropped. Thread-safe: one lock around the inner writer.
/// </summary>
public sealed class DegradingLogWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly object _gate = new();
    private long _dropped;
    private Action<string>? _unavailable;
    private string? _pendingReport;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public DegradingLogWriter(TextWriter inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc/>
    public override Encoding Encoding => _inner.Encoding;

    /// <summary>Lines dropped since the log last accepted a write.</summary>
    public long Dropped { get { lock (_gate) return _dropped; } }

    /// <summary>
    /// Called (outside the writer's lock) once per outage with a line saying the log is unavailable and why; set once the
    /// node's kernel ring exists. An outage before that is reported as soon as it is set.
    /// </summary>
    public Action<string>? Unavailable
    {
        get => _unavailable;
        set
        {
            string? report;
            lock (_gate) { _unavailable = value; report = _pendingReport; _pendingReport = null; }
            if (report is not null) value?.Invoke(report);
        }
    }

    /// <inheritdoc/>
    public override void Write(char value) => Guarded(w => w.Write(value));

    /// <inheritdoc/>
    public override void Write(string? value) => Guarded(w => w.Write(value));

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) => Guarded(w => w.Write(buffer, index, count));

    /// <inheritdoc/>
    public override void WriteLine(string? value) => Guarded(w => w.WriteLine(value), line: true);

    /// <inheritdoc/>
    public override void Flush() => Guarded(w => w.Flush());

    private void Guarded(Action<TextWriter> write, bool line = false)
    {
        string? report = null;
        Action<string>? sink;
        lock (_gate)
        {
            sink = _unavailable;
            try
            {
                if (_dropped > 0)
                {
                    _inner.WriteLine($"machined: the log was unavailable; {_dropped} line(s) were dropped");
                    _dropped = 0;
                }
                write(_inner);
                _inner.Flush();
                return;
            }
            catch (IOException e)
            {
                if (_dropped == 0)
                    report = $"machined: its log output cannot be written ({e.Message}); the node keeps running, lines are dropped until it can be written again";
                if (line || _dropped == 0) _dropped++;
                if (report is not null && sink is null) { _pendingReport = report; report = null; }
            }
        }
        if (report is not null) sink!(report);
    }
}
