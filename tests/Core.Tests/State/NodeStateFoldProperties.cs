using FsCheck;
using FsCheck.Fluent;
using Talos.Api.Events;
using Talos.Core.State;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.State;

/// <summary>Issue 4 property tests of the fold: determinism, totality, hash laws, prefixes, snapshots.</summary>
public sealed class NodeStateFoldProperties
{
    private static readonly FsCheck.Config Cfg = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(150);

    [Fact]
    public void Apply_is_deterministic_and_total_over_random_logs()
    {
        Check.One(Cfg, Prop.ForAll(EventGen.LogArb(), log =>
        {
            // Total: folding never throws. Deterministic: two folds of clones are byte-identical.
            var a = NodeState.Replay(log);
            var b = NodeState.Replay(log.Select(e => e.Clone()).ToArray());
            return a.CanonicalBytes().SequenceEqual(b.CanonicalBytes()) && a.Hash == b.Hash && a.LastSequence == (log.Length == 0 ? 0 : log.Max(e => e.Sequence));
        }));
    }

    [Fact]
    public void Hash_is_equal_iff_canonical_states_are_equal()
    {
        // Pairs of short logs over tiny domains produce equal states often enough to test both directions.
        var pair = EventGen.Logs(6).Zip(EventGen.Logs(6)).ToArbitrary();
        var equalSeen = 0;
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(pair, t =>
        {
            var (x, y) = t;
            var a = NodeState.Replay(x);
            var b = NodeState.Replay(y);
            var canonicalEqual = a.CanonicalBytes().SequenceEqual(b.CanonicalBytes());
            if (canonicalEqual) equalSeen++;
            return (a.Hash == b.Hash) == canonicalEqual && a.Equals(b) == canonicalEqual
                && (!canonicalEqual || a.GetHashCode() == b.GetHashCode());
        }));
        Assert.True(equalSeen > 0, "the generator never produced two equal states; the iff was only tested one way");
    }

    [Fact]
    public void Any_prefix_folds_and_continuing_from_it_gives_the_full_fold()
    {
        Check.One(Cfg, Prop.ForAll(EventGen.LogArb(40), log =>
        {
            var full = NodeState.Replay(log).Hash;
            for (var k = 0; k <= log.Length; k++)
            {
                var prefix = NodeState.Replay(log.Take(k));
                if (NodeState.Replay(prefix, log.Skip(k)).Hash != full)
                    return false;
            }
            return true;
        }));
    }

    [Fact]
    public void Snapshot_round_trips_exactly_at_every_prefix()
    {
        Check.One(Cfg, Prop.ForAll(EventGen.LogArb(40), log =>
        {
            var full = NodeState.Replay(log).Hash;
            for (var k = 0; k <= log.Length; k += 3)
            {
                var s = NodeState.Replay(log.Take(k));
                var bytes = s.ToSnapshot();
                var restored = NodeState.FromSnapshot(bytes);
                if (!restored.ToSnapshot().SequenceEqual(bytes) || restored.Hash != s.Hash || !restored.Equals(s))
                    return false;
                if (NodeState.Replay(restored, log.Skip(k)).Hash != full)
                    return false;
            }
            return true;
        }));
    }

    [Fact]
    public void Random_logs_exercise_slots_and_sequences_not_only_anomalies()
    {
        // Guards the generator: properties over logs that never reach interesting states would prove little.
        var samples = EventGen.Logs(60).Sample(200, 60);
        Assert.Contains(samples, l => NodeState.Replay(l).SlotA.IsTrial || NodeState.Replay(l).SlotB.IsTrial);
        Assert.Contains(samples, l => NodeState.Replay(l).Running is not null);
        Assert.Contains(samples, l => NodeState.Replay(l).Meta.Count > 0);
        Assert.Contains(samples, l => NodeState.Replay(l).BootedSlot != Slot.Unspecified);
    }
}
