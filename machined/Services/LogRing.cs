namespace Talos.Machined.Services;

/// <summary>
/// A bounded ring of log lines with follow support. On overrun the oldest lines are dropped (a follower that falls
/// more than the capacity behind skips ahead and is told how many lines it missed).
/// </summary>
public sealed class LogRing(int capacity)
{
    private readonly object _gate = new();
    private readonly Queue<(long Index, string Line)> _lines = new();
    private long _next;
    private TaskCompletionSource _grew = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Appends a line prefixed with its RFC 3339 time.</summary>
    public void Append(DateTimeOffset time, string line) => AppendRaw($"{time.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");

    /// <summary>Appends a line as is (callers that format their own prefix, e.g. the kernel ring).</summary>
    public void AppendRaw(string line)
    {
        TaskCompletionSource grew;
        lock (_gate)
        {
            _lines.Enqueue((_next++, line));
            while (_lines.Count > capacity) _lines.Dequeue();
            grew = _grew;
            _grew = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        grew.TrySetResult();
    }

    /// <summary>The last <paramref name="tail"/> lines (negative = all).</summary>
    public IReadOnlyList<string> Tail(int tail)
    {
        lock (_gate)
        {
            var all = _lines.Select(l => l.Line).ToList();
            return tail < 0 || tail >= all.Count ? all : all.Skip(all.Count - tail).ToList();
        }
    }

    /// <summary>The last <paramref name="tail"/> lines, then every new line until cancelled.</summary>
    public async IAsyncEnumerable<string> FollowAsync(int tail, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long next;
        Task grew;
        List<string> first;
        lock (_gate)
        {
            var all = _lines.ToList();
            var skip = tail < 0 || tail >= all.Count ? 0 : all.Count - tail;
            first = all.Skip(skip).Select(l => l.Line).ToList();
            next = _next;
            grew = _grew.Task;
        }
        foreach (var l in first) yield return l;
        while (!ct.IsCancellationRequested)
        {
            try { await grew.WaitAsync(ct); } catch (OperationCanceledException) { yield break; }
            List<string> batch;
            lock (_gate)
            {
                var oldest = _lines.Count == 0 ? _next : _lines.Peek().Index;
                batch = new List<string>();
                if (next < oldest) { batch.Add($"... {oldest - next} lines dropped (log ring overrun)"); next = oldest; }
                batch.AddRange(_lines.Where(l => l.Index >= next).Select(l => l.Line));
                next = _next;
                grew = _grew.Task;
            }
            foreach (var l in batch) yield return l;
        }
    }
}
