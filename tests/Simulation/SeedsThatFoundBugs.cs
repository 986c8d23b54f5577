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
    // Invariants 5 and 4: an install that lays the table out over a disk whose table a compensation had zeroed gave the
    // partitions their old places; a power loss before formatPartitions brought the abandoned META and STATE back (the
    // node ran a config nobody had applied since, or accepted old records). partitionDisk now wipes the planned
    // META/STATE/EPHEMERAL first when the disk has no table.
    [InlineData(303UL)]
    [InlineData(842UL)]
    // Invariant 5: formatPartitions wrote the config to STATE before its ConfigApplied event; the re-run after a power
    // loss has no config bytes (they were in memory), so the orphaned STATE config ran at later boots. Recorded first now.
    [InlineData(1323UL)]
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
