namespace Talos.Simulation.Tests;

/// <summary>
/// Seeds of longer soaks that found node bugs (issue #11), replayed in every run so the fix stays a fix. Each failed
/// before its fix with the invariant named below; the default run (seeds 1..64) does not reach these paths.
/// </summary>
public sealed class SeedsThatFoundBugs
{
    [Theory]
    // Invariant 5: apply-config on an installed node in maintenance (after a full reset) wrote the config to STATE before
    // its ConfigApplied event; a power loss between them made the next boot run a config the log never recorded. The
    // record is now written first (NodeRuntime.ApplyInMaintenanceAsync), and a boot applies a staged config only if
    // the log still records it as pending.
    [InlineData(957UL)]
    // On the one simulated CPU (SimScheduler): deterministic interleaving of the runtime's tasks.
    public Task The_seed_keeps_every_invariant(ulong seed) => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var report = new SimReport();
        var sim = new Simulation(seed, images, report, SimOptions.Swarm(new SimRng(seed)));
        await sim.RunAsync();   // throws InvariantViolation on a broken invariant
        Assert.Equal(1, report.Seeds);
        Assert.True(report.Crashes > 0, $"seed {seed} injected no crash: the simulator's draws changed and it no longer replays the bug's path");
    });
}
