namespace Talos.Simulation.Tests;

/// <summary>
/// One simulated CPU. While a simulation runs, the thread pool gets exactly one worker beyond those the test host
/// itself keeps blocked (VSTest's socket loop, the adapter's assembly runner), so every piece of the node runtime (its
/// <c>Task.Run</c>s, timer continuations, the sequence runner, the slot writer's hash task) runs on one thread, in the
/// order the work was queued: a deterministic interleaving without changing a line of the runtime. The driver moves
/// the virtual clock only at quiescent points (<see cref="IsQuiescent"/>), so which timers are armed when the clock
/// moves is a function of the seed as well.
/// </summary>
/// <remarks>
/// A pool of one deadlocks code that blocks a worker waiting for other queued work; the runtime does that only in the
/// slot writer (<c>GetAwaiter().GetResult()</c> on its read/hash tasks), which the pool runs inline on the waiting
/// thread because the task is still in that thread's local queue. The META log's writer thread is not a pool thread,
/// and in the simulation it is never started: every append is a lone appender's inline commit (no second thread races it).
/// </remarks>
internal static class SimScheduler
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// Times a driver found nothing runnable and no timer and waited 1 ms of real time (work off the pool, which would
    /// make the run timing-dependent: expected 0; reported with every summary).
    /// </summary>
    public static long RealTimeWaits;

    /// <summary>Times the watchdog raised the worker limit because queued work had stalled (reported with every summary).</summary>
    public static long StarvationRescues;

    /// <summary>True while the pool is limited (the last <see cref="RunAsync"/> could set the limit).</summary>
    public static bool OneWorker { get; private set; }

    /// <summary>Runs <paramref name="body"/> on the thread pool limited to one free worker; restores the limits after.</summary>
    /// <remarks>
    /// The limits are set from a pool thread of our own, never from xunit's caller: that caller does not return to the
    /// pool. The first test is called on the pool thread that runs the VSTest adapter's <c>RunTestsInAssembly</c>, which
    /// then blocks until the whole assembly has run; later tests are called on xunit's own worker threads (its
    /// <c>AsyncTestSyncContext</c> resumes the previous test there), which are not pool threads. Counting the caller as the
    /// simulated CPU left the simulation with no worker at all until the watchdog added one, 2 s into every run.
    /// </remarks>
    public static Task RunAsync(Func<Task> body) => Task.Run(() => RunOnPoolAsync(body));

    private static async Task RunOnPoolAsync(Func<Task> body)
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        ThreadPool.GetMinThreads(out var minW, out var minIo);
        ThreadPool.GetMaxThreads(out var maxW, out var maxIo);
        // Every pool thread that exists now is kept blocked by the test host (VSTest's socket loop, the adapter's
        // RunTestsInAssembly), or is this one, which returns to the pool at the await below (that one is the simulated
        // CPU), or is idle, left over from earlier work: an idle one counted as a worker would be a second simulated CPU,
        // which made about one test run in four nondeterministic (real-time waits in the report, SameSeedSameRun failing).
        var workers = Math.Max(1, ThreadPool.ThreadCount - IdlePoolThreads(minIo, maxIo));
        using var stop = new CancellationTokenSource();
        var watchdog = new Thread(() => Watch(stop.Token, workers, maxIo, minIo)) { IsBackground = true, Name = "sim-pool-watchdog" };
        try
        {
            // min = max: the pool's thread goal starts at the minimum and counts the blocked threads, so a lower minimum
            // leaves the simulated CPU parked until the starvation heuristic injects a thread (half a second each time).
            OneWorker = ThreadPool.SetMinThreads(1, minIo) && ThreadPool.SetMaxThreads(workers, maxIo) && ThreadPool.SetMinThreads(workers, minIo);
            watchdog.Start();
            await Task.Run(body).ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            watchdog.Join();
            ThreadPool.SetMaxThreads(maxW, maxIo);
            ThreadPool.SetMinThreads(minW, minIo);
            Gate.Release();
        }
    }

    /// <summary>
    /// Pool threads waiting for work right now: with the pool held at its current size, one probe per thread is queued;
    /// the probes that start within 60 ms found an idle thread (three rounds, see below) (the blocked ones and the caller cannot take one). The
    /// probes that did not start run, as no-ops, before the simulation's first work item.
    /// </summary>
    private static int IdlePoolThreads(int minIo, int maxIo)
    {
        var count = ThreadPool.ThreadCount;
        // No thread injection while probing: the minimum would add threads at once, the maximum later.
        if (!ThreadPool.SetMinThreads(1, minIo) || !ThreadPool.SetMaxThreads(Math.Max(count, Environment.ProcessorCount), maxIo)) return 0;
        // Several rounds, the largest count wins: a thread that is only briefly busy (the test host reporting the previous
        // test's result) looks blocked in one round and idle in the next; taken for blocked, it would become a second
        // simulated CPU as soon as it is done (one clean-clone CI run diverged that way: real-time waits from the first
        // test on). Counting too many idle threads is the safe error: the watchdog adds a worker after a stall.
        var idle = 0;
        for (var round = 0; round < 3; round++)
        {
            var started = 0;
            var release = new ManualResetEventSlim(false);   // not disposed: probes that have not started still wait on it
            for (var i = 0; i < count; i++)
                ThreadPool.UnsafeQueueUserWorkItem(_ => { Interlocked.Increment(ref started); release.Wait(); }, null);
            Thread.Sleep(60);
            idle = Math.Max(idle, Volatile.Read(ref started));
            release.Set();
            Thread.Sleep(20);   // the released probes return to the pool before the next round
        }
        return Math.Min(idle, Math.Max(0, count - 1));
    }

    /// <summary>
    /// A safety net, expected never to fire (reported with every summary): if a pool thread the count took for the
    /// simulated CPU blocks after all, queued work stops being processed; then, and only then, the limit grows by one.
    /// Work was already stalled, so the extra worker never runs beside a running simulation thread.
    /// </summary>
    private static void Watch(CancellationToken stop, int workers, int maxIo, int ioMin)
    {
        var last = ThreadPool.CompletedWorkItemCount;
        var stalled = 0;
        // 2 s without one completed work item while work is queued: a long synchronous step (a crash image, a META
        // scan) takes milliseconds, so this is a blocked worker, not a busy one.
        while (!stop.WaitHandle.WaitOne(100))
        {
            var done = ThreadPool.CompletedWorkItemCount;
            stalled = done == last && ThreadPool.PendingWorkItemCount > 0 ? stalled + 1 : 0;
            last = done;
            if (stalled < 20) continue;
            ThreadPool.SetMaxThreads(++workers, maxIo);
            ThreadPool.SetMinThreads(workers, ioMin);
            Interlocked.Increment(ref StarvationRescues);
            stalled = 0;
        }
    }

    /// <summary>Nothing is queued to run: every runnable piece of the simulated node has run (the caller is the one worker).</summary>
    public static bool IsQuiescent => ThreadPool.PendingWorkItemCount == 0;

    /// <summary>Yields until no work is queued (bounded: after 100,000 yields the caller's stuck detection takes over).</summary>
    public static async Task QuiesceAsync()
    {
        for (var i = 0; i < 100_000; i++)
        {
            await Task.Yield();
            if (IsQuiescent) return;
        }
    }
}
