using Xunit.Abstractions;

namespace Talos.Simulation.Tests.Model;

/// <summary>
/// Model-based tests (issue #11): FsCheck generates short operation sequences (apply-config, upgrades with good and
/// faulty images, rollback, resets with and without preserve, reboot, power loss at a chosen write of any step) for a
/// small configuration, runs each on a simulated node, and checks every invariant plus <see cref="NodeModel"/> after
/// every step. A failure prints FsCheck's seed and the shrunk sequence. Replay/soak: TALOS_MODEL_SEED, TALOS_MODEL_TESTS.
/// </summary>
public sealed class ModelBasedTests(ITestOutputHelper output)
{
    [Fact]
    // On the one simulated CPU (SimScheduler): deterministic interleaving of the runtime's tasks.
    public Task Random_sequences_with_power_loss_keep_every_invariant_and_match_the_model() => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var baseline = await ModelRunner.InstallAsync(images);
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("TALOS_MODEL_SEED"), out var s) ? s : 11UL;
        var tests = int.TryParse(Environment.GetEnvironmentVariable("TALOS_MODEL_TESTS"), out var n) ? n : 40;
        int runs = 0, steps = 0, crashes = 0;
        var kinds = new HashSet<OpKind>();
        var start = Environment.TickCount64;
        var failure = await SimCheck.CheckAsync(SimCheck.Config(seed, tests), ops => ModelRunner.RunAsync(images, baseline, ops, NodeModel.Installed()),
            (ops, r) =>
            {
                runs++;
                steps += ops.Length;
                crashes += r.Crashes;
                kinds.UnionWith(ops.Where(o => o.CrashAt is null || r.Crashes > 0).Select(o => o.Kind));
            });
        output.WriteLine($"model-based: {runs} sequences, {steps} steps, {crashes} power losses, {Environment.TickCount64 - start} ms (seed {seed})");
        Assert.True(failure is null, $"{failure}\nreplay: TALOS_MODEL_SEED={seed} dotnet test tests/Simulation --filter FullyQualifiedName~ModelBasedTests");
        Assert.Equal(tests, runs);
        Assert.True(crashes >= tests / 4, $"only {crashes} power losses in {runs} sequences: recovery was hardly exercised");
        Assert.Equal(Enum.GetValues<OpKind>().Length, kinds.Count);
    });

    [Fact]
    // The deliberately broken model (a rollback changes nothing) must be caught, and shrunk to the one minimal sequence.
    public Task Shrinking_a_broken_model_reaches_the_minimal_counterexample() => SimScheduler.RunAsync(async () =>
    {
        var images = await SimImages.GetAsync();
        var baseline = await ModelRunner.InstallAsync(images);
        Task<SequenceResult> Broken(IReadOnlyList<ModelOp> ops) => ModelRunner.RunAsync(images, baseline, ops, NodeModel.Installed(brokenRollback: true));
        ModelOp[]? original = null, shrunk = null;
        var evaluations = 0;
        var failure = await SimCheck.CheckAsync(SimCheck.Config(5, 50), ops => Broken(ops), (ops, r) =>
        {
            evaluations++;
            if (r.Failure is null) return;
            original ??= ops;
            shrunk = ops;   // FsCheck accepts every failing candidate: the last failure seen is the shrunk one
        });
        output.WriteLine($"original {SimCheck.Show(original ?? [])}\nshrunk   {SimCheck.Show(shrunk ?? [])}\n{evaluations} evaluations\n{failure}");
        Assert.NotNull(failure);
        Assert.NotNull(original);
        ModelOp[] minimal = [new(OpKind.UpgradeGood, 0), new(OpKind.Rollback)];
        Assert.Equal(SimCheck.Show(minimal), SimCheck.Show(shrunk!));
        Assert.Contains(SimCheck.Show(minimal).Trim('[', ']').Split(", ")[0], failure);   // FsCheck's own report shows the same
        Assert.True(original!.Length > minimal.Length || original.Any(o => o.CrashAt is not null || o.Arg > 0),
            $"FsCheck's first counterexample {SimCheck.Show(original)} was already minimal: the demo shrank nothing");

        // Minimal for real, not only a fixed point of the shrinker: no shorter sequence fails. Length 0 and every
        // single step (every argument; a lone rollback is refused before it writes, so its crash points never fire).
        var shorter = new List<ModelOp[]> { Array.Empty<ModelOp>() };
        foreach (var kind in Enum.GetValues<OpKind>())
            for (var arg = 0; arg < ModelOp.ArgCount(kind); arg++)
                foreach (var staged in kind == OpKind.Apply ? new[] { false, true } : [false])
                    shorter.Add([new ModelOp(kind, arg, staged)]);
        for (var k = 0; k <= SequenceShrinker.MaxCrashWrite; k += 8) shorter.Add([new ModelOp(OpKind.Rollback, CrashAt: k)]);
        foreach (var seq in shorter)
            Assert.True((await Broken(seq)).Failure is null, $"{SimCheck.Show(seq)} also fails the broken model: {minimal.Length} steps are not minimal");
        // And the minimum is specific to the bug: the correct model passes it.
        Assert.Null((await ModelRunner.RunAsync(images, baseline, minimal, NodeModel.Installed())).Failure);
    });
}
