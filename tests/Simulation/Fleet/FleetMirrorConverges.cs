using Xunit.Abstractions;

namespace Talos.Simulation.Tests.Fleet;

/// <summary>
/// Many nodes, one fleet store (issue #11: "runs one or many nodes ... the fleet mirror converges"): three simulated
/// nodes under random operations and power loss mirror their META logs into a simulated in-memory store with outages,
/// lost acknowledgements and stale reads. Replay one seed: TALOS_FLEET_SEED=n; more seeds: TALOS_FLEET_SEEDS=count.
/// </summary>
public sealed class FleetMirrorConverges(ITestOutputHelper output)
{
    [Fact]
    // On the one simulated CPU (SimScheduler): deterministic interleaving of the runtime's tasks.
    public Task Three_nodes_with_power_loss_and_store_outages_converge_to_their_META_logs() => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var baselines = await BaselinesAsync(images);
        var report = new FleetReport();
        long lostAcks = 0, conflicts = 0, refused = 0, appended = 0;
        var seeds = ulong.TryParse(Environment.GetEnvironmentVariable("TALOS_FLEET_SEED"), out var one) ? [one]
            : Enumerable.Range(1, int.TryParse(Environment.GetEnvironmentVariable("TALOS_FLEET_SEEDS"), out var n) ? n : 8).Select(i => (ulong)i).ToArray();
        var start = Environment.TickCount64;
        foreach (var seed in seeds)
        {
            var fleet = new FleetSimulation(seed, images, baselines, report);
            try { await fleet.RunAsync(); }
            catch (Exception e) when (e is MirrorViolation or SimulationException or InvariantViolation)
            {
                Assert.Fail($"seed {seed}: {e.Message}\nreplay: TALOS_FLEET_SEED={seed} dotnet test tests/Simulation --filter FullyQualifiedName~FleetMirrorConverges\nsteps:\n  " + string.Join("\n  ", fleet.Log));
            }
            (lostAcks, conflicts, refused, appended) = (lostAcks + fleet.Store.LostAcks, conflicts + fleet.Store.Conflicts, refused + fleet.Store.RefusedCalls, appended + fleet.Store.AppendedEvents);
        }
        output.WriteLine($"fleet ({SimFleetStore.Kind}): {report.Seeds} seeds x {baselines.Count} nodes, {report.Steps} steps, {report.PowerLosses} power losses, "
                         + $"{report.Passes} mirror passes ({report.FailedPasses} failed: {refused} calls refused by outages, {lostAcks} lost acks, {conflicts} version conflicts), "
                         + $"{appended} events appended, {report.PrefixChecks} prefix checks, {report.Converged} streams converged (longest {report.MaxStream}), {Environment.TickCount64 - start} ms");
        Assert.Equal(seeds.Length, report.Seeds);
        Assert.Equal(seeds.Length * baselines.Count, report.Converged);
        if (seeds.Length < 4) return;
        // The faults actually happened: otherwise convergence proves nothing.
        Assert.True(report.PowerLosses > 0 && refused > 0 && lostAcks > 0 && conflicts > 0,
            $"faults missing: power losses {report.PowerLosses}, refused {refused}, lost acks {lostAcks}, conflicts {conflicts}");
    });

    [Fact]
    public Task A_fleet_seed_replays_to_the_same_store() => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var baselines = await BaselinesAsync(images);
        var runs = new List<FleetSimulation>();
        for (var i = 0; i < 2; i++)
        {
            var fleet = new FleetSimulation(3, images, baselines, new FleetReport());
            await fleet.RunAsync();
            runs.Add(fleet);
        }
        Assert.Equal(runs[0].Log, runs[1].Log);
        Assert.Equal(runs[0].Store.Digest(), runs[1].Store.Digest());
        Assert.True(runs[0].Store.AppendedEvents > 0);
    });

    [Fact]
    // The convergence checks are not vacuous: a store that ignores the expected version takes a stale shipper's
    // re-append as new events, and the prefix check must name the duplicate.
    public Task The_checks_catch_a_store_that_accepts_a_duplicate() => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var baselines = await BaselinesAsync(images);
        MirrorViolation? caught = null;
        for (ulong seed = 1; seed <= 8 && caught is null; seed++)
        {
            var fleet = new FleetSimulation(seed, images, baselines, new FleetReport()) { Store = new SimFleetStore { IgnoresExpectedVersion = true } };
            try { await fleet.RunAsync(); }
            catch (MirrorViolation e) { caught = e; }
        }
        Assert.NotNull(caught);
        Assert.Contains("gap or duplicate", caught.Message);
    });

    private static async Task<List<Model.ModelRunner.Baseline>> BaselinesAsync(SimImages images)
    {
        // Each node installed on its own disk with its own seed: its own META node id (the stream key).
        var baselines = new List<Model.ModelRunner.Baseline>();
        for (ulong i = 0; i < 3; i++) baselines.Add(await Model.ModelRunner.InstallAsync(images, 5000 + i));
        return baselines;
    }
}
