using FsCheck;
using FsCheck.Fluent;

namespace Talos.Simulation.Tests.Model;

/// <summary>The sequence shrinker on its own (no simulation): candidates are simpler, and chunk removal escapes local minima.</summary>
public sealed class SequenceShrinkerTests
{
    private static readonly ModelOp Rb = new(OpKind.Reboot), Rollback = new(OpKind.Rollback);

    /// <summary>FsCheck's shrink loop: take the first candidate that still fails, shrink it again, until none fails.</summary>
    private static ModelOp[] Greedy(ModelOp[] s, Func<ModelOp[], bool> fails, Func<ModelOp[], IEnumerable<ModelOp[]>> shrink)
    {
        while (shrink(s).FirstOrDefault(fails) is { } smaller) s = smaller;
        return s;
    }

    private static IEnumerable<ModelOp[]> SingleStepRemovals(ModelOp[] s) => Enumerable.Range(0, s.Length).Select(i => s.Where((_, j) => j != i).ToArray());

    /// <summary>Length first, then how far the arguments are from their simplest values.</summary>
    private static (int, int) Size(ModelOp[] s) => (s.Length, s.Sum(o => (o.CrashAt is { } k ? 1 + k : 0) + o.CrashModel + o.Arg + (o.Staged ? 1 : 0)));

    [Fact]
    public void Chunk_removal_escapes_the_local_minimum_of_single_step_removal()
    {
        // Fails with a rollback and an even, non-zero number of reboots: no single reboot can go, two together can.
        static bool Fails(ModelOp[] s) => s.Contains(Rollback) && s.Count(o => o == Rb) is var r && r > 0 && r % 2 == 0;
        ModelOp[] start = [Rb, Rb, Rb, Rb, Rollback, Rb, Rb];
        Assert.True(Fails(start));

        var single = Greedy(start, Fails, SingleStepRemovals);
        var ddmin = Greedy(start, Fails, SequenceShrinker.Shrink);

        Assert.Equal(start.Length, single.Length);   // stuck: every single removal makes the failure vanish
        Assert.True(Fails(ddmin));
        Assert.Equal(3, ddmin.Length);
        Assert.Equal(2, ddmin.Count(o => o == Rb));
        // 3 is the global minimum: no failing sequence of this alphabet is shorter (exhaustive over lengths 0..2).
        ModelOp[] alphabet = [Rb, Rollback];
        var shorter = new List<ModelOp[]> { Array.Empty<ModelOp>() };
        foreach (var a in alphabet) { shorter.Add([a]); foreach (var b in alphabet) shorter.Add([a, b]); }
        Assert.DoesNotContain(shorter, Fails);
    }

    [Fact]
    public void Arguments_shrink_to_their_simplest_values()
    {
        ModelOp[] start = [new(OpKind.Reboot), new(OpKind.UpgradeGood, 2, CrashAt: 37, CrashModel: 2), new(OpKind.Apply, 2, Staged: true), new(OpKind.UpgradeFaulty, 3)];
        var shrunk = Greedy(start, s => s.Any(o => o.Kind == OpKind.UpgradeGood) && s.Any(o => o.Kind == OpKind.Apply), SequenceShrinker.Shrink);
        Assert.Equal("[upgrade-good(v1.9.0), apply(node1)]", SimCheck.Show(shrunk));
        // A failure that needs a late crash point keeps the smallest one that still fails.
        var crash = Greedy(start, s => s.Any(o => o.CrashAt >= 5), SequenceShrinker.Shrink);
        Assert.Equal("[upgrade-good(v1.9.0)⚡5/drop-all]", SimCheck.Show(crash));
    }

    [Fact]
    public void Every_candidate_is_simpler_than_the_sequence_it_came_from()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(SequenceShrinker.Arbitrary(), (ModelOp[] s) =>
        {
            var candidates = SequenceShrinker.Shrink(s).ToList();
            Assert.All(candidates, c => Assert.True(Size(c).CompareTo(Size(s)) < 0, $"{SimCheck.Show(c)} is not simpler than {SimCheck.Show(s)}"));
            Assert.Equal(candidates.Count, candidates.Select(SimCheck.Show).Distinct().Count());
            Assert.Contains(candidates, c => c.Length == 0);   // the first candidate drops everything
        }));
    }
}
