namespace Talos.Simulation.Tests;

/// <summary>
/// Determinism (issue #11): a seed is a complete description of a run. Running a seed twice gives the same steps,
/// crash points, crash models and node states after every step (the same trace hash); otherwise "replay seed N" would
/// not reproduce a failure.
/// </summary>
public sealed class SameSeedSameRun
{
    [Theory]
    [InlineData(3UL)]
    [InlineData(17UL)]
    [InlineData(42UL)]
    [InlineData(5UL)]
    [InlineData(29UL)]
    // On the one simulated CPU (SimScheduler): deterministic interleaving of the runtime's tasks.
    public Task A_seed_replays_to_the_same_trace(ulong seed) => SimScheduler.RunAsync(async () =>
    {
        Assert.True(SimScheduler.OneWorker, "the thread pool could not be limited to one worker: runs cannot be deterministic");
        var images = await SimImages.GetAsync();
        var rescues = Interlocked.Read(ref SimScheduler.StarvationRescues);
        var first = await RunAsync(seed, images);
        var second = await RunAsync(seed, images);
        Assert.True(first.Trace.Count > 5, $"seed {seed} traced only {first.Trace.Count} settled steps");
        // The simulated CPU never stalled: a rescue adds a worker (a second CPU), and it once cost every run 2 s.
        Assert.Equal(rescues, Interlocked.Read(ref SimScheduler.StarvationRescues));
        var at = first.Trace.Zip(second.Trace).TakeWhile(p => p.First == p.Second).Count();
        Assert.True(first.TraceHash() == second.TraceHash(),
            $"seed {seed} ran differently the second time, from trace line {at}:\n  " + string.Join("\n  ", first.Trace.Skip(Math.Max(0, at - 3)).Take(5))
            + "\nsecond run:\n  " + string.Join("\n  ", second.Trace.Skip(Math.Max(0, at - 3)).Take(5))
            + $"\none simulated CPU: {SimScheduler.OneWorker}, real-time waits {Interlocked.Read(ref SimScheduler.RealTimeWaits)}, pool starvation rescues {Interlocked.Read(ref SimScheduler.StarvationRescues)}");
    });

    private static async Task<Simulation> RunAsync(ulong seed, SimImages images)
    {
        var sim = new Simulation(seed, images, new SimReport(), SimOptions.Swarm(new SimRng(seed)));
        await sim.RunAsync();
        return sim;
    }
}
