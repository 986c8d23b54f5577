using FsCheck;
using FsCheck.Fluent;
using Talos.Api.Events;
using Talos.Core.Boot;
using Talos.Core.State;
using Talos.Core.Tests.Support;

namespace Talos.Core.Tests.Boot;

public sealed class BootDecisionTests
{
    private static readonly MeasuredSlots Both = new(Ev.Digest('a'), Ev.Digest('b'));

    private static NodeState Installed(Ev ev) => NodeState.Replay([
        ev.Written(Slot.A, 'a'), ev.Trial(Slot.A, 3), ev.Attempt(Slot.A, true, 2), ev.Booted(Slot.A, 'a'), ev.Confirmed(Slot.A)]);

    [Fact]
    public void Fresh_node_goes_to_maintenance()
    {
        var d = BootDecision.Decide(NodeState.Initial, new MeasuredSlots(null, null));
        Assert.Equal((BootKind.Maintenance, SkipReason.NotInstalled), (d.Kind, d.Reason));
        Assert.Null(d.ToBootAttempted());
    }

    [Fact]
    public void Confirmed_slot_boots_normally()
    {
        var d = BootDecision.Decide(Installed(new Ev()), Both);
        Assert.Equal(new BootChoice(BootKind.Normal, Slot.A, false, 0, Slot.Unspecified, SkipReason.None, ""), d);
    }

    [Fact]
    public void Trial_slot_is_preferred_and_counts_down_then_falls_back()
    {
        var ev = new Ev();
        var s = NodeState.Replay(Installed(ev), [ev.Written(Slot.B, 'b'), ev.Trial(Slot.B, 2)]);
        var d1 = BootDecision.Decide(s, Both);
        Assert.Equal((BootKind.Trial, Slot.B, 1u), (d1.Kind, d1.Slot, d1.TriesLeftAfter));
        s = NodeState.Apply(s, ev.Make(e => e.BootAttempted = d1.ToBootAttempted()));
        var d2 = BootDecision.Decide(s, Both);
        Assert.Equal((BootKind.Trial, Slot.B, 0u), (d2.Kind, d2.Slot, d2.TriesLeftAfter));
        s = NodeState.Apply(s, ev.Make(e => e.BootAttempted = d2.ToBootAttempted()));
        var d3 = BootDecision.Decide(s, Both);
        Assert.Equal((BootKind.Fallback, Slot.A, Slot.B, SkipReason.TriesExhausted), (d3.Kind, d3.Slot, d3.SkippedSlot, d3.Reason));
        Assert.False(d3.Trial);
        Assert.Empty(s.Anomalies);
    }

    [Fact]
    public void Digest_mismatch_falls_back_and_both_bad_means_maintenance()
    {
        var ev = new Ev();
        var s = NodeState.Replay(Installed(ev), [ev.Written(Slot.B, 'b'), ev.Trial(Slot.B, 3)]);
        var d = BootDecision.Decide(s, new MeasuredSlots(Ev.Digest('a'), Ev.Digest('c')));
        Assert.Equal((BootKind.Fallback, Slot.A, SkipReason.DigestMismatch), (d.Kind, d.Slot, d.Reason));
        Assert.Contains("measured " + Ev.Digest('c'), d.Detail);
        var none = BootDecision.Decide(s, new MeasuredSlots(null, Ev.Digest('c')));
        Assert.Equal((BootKind.Maintenance, SkipReason.DigestMismatch), (none.Kind, none.Reason));
    }

    [Fact]
    public void Never_picks_a_slot_whose_measured_digest_differs_from_the_recorded_one()
    {
        var measured = Gen.Elements<string?>(Ev.Digest('a'), Ev.Digest('b'), Ev.Digest('c'), null);
        var input = EventGen.Logs(40).Zip(measured.Zip(measured)).ToArbitrary();
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(input, t =>
        {
            var (log, (a, b)) = t;
            var s = NodeState.Replay(log);
            var m = new MeasuredSlots(a, b);
            var d = BootDecision.Decide(s, m);
            return d.Kind == BootKind.Maintenance
                ? d.Slot == Slot.Unspecified
                : m.Of(d.Slot) == s.SlotOf(d.Slot).Digest && s.SlotOf(d.Slot).HasImage;
        }));
    }

    [Fact]
    public void A_trial_with_zero_tries_is_never_booted_again()
    {
        // From any random state, keep booting (appending the decided BootAttempted, never confirming):
        // every trial pick has a try left, and after at most `tries` attempts the slot is never picked again.
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(EventGen.LogArb(40), log =>
        {
            var s = NodeState.Replay(log);
            var m = new MeasuredSlots(s.SlotA.Digest, s.SlotB.Digest);
            var seq = s.LastSequence;
            for (var i = 0; i < 12; i++)
            {
                var d = BootDecision.Decide(s, m);
                if (d.Kind == BootKind.Maintenance)
                    return true;
                var slot = s.SlotOf(d.Slot);
                if (d.Trial && (slot.Successful || slot.TriesLeft == 0 || d.TriesLeftAfter != slot.TriesLeft - 1))
                    return false;
                if (!d.Trial && !slot.Successful)
                    return false;
                s = NodeState.Apply(s, new NodeEvent { Sequence = ++seq, BootAttempted = d.ToBootAttempted() });
            }
            // Only a confirmed slot can still be booting after 12 attempts (tries <= 4 in the generator).
            return BootDecision.Decide(s, m) is var last && (last.Kind == BootKind.Maintenance || !last.Trial);
        }));
    }
}

public sealed class DecisionAndFoldAgreeTests
{
    [Fact]
    public void Appending_what_the_decision_says_never_creates_an_anomaly()
    {
        // The boot loader appends RolledBack (for a fallback) and BootAttempted exactly as decided; the fold must accept both.
        var measured = Gen.Elements<string?>(Ev.Digest('a'), Ev.Digest('b'), Ev.Digest('c'), null);
        var input = EventGen.Logs(40).Zip(measured.Zip(measured)).ToArbitrary();
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(input, t =>
        {
            var (log, (a, b)) = t;
            var s = NodeState.Replay(log);
            var d = BootDecision.Decide(s, new MeasuredSlots(a, b));
            if (d.Kind == BootKind.Maintenance)
                return true.ToProperty();
            var before = s.AnomalyCount;
            var seq = s.LastSequence;
            if (d.ToRolledBack(s) is { } r)
                s = NodeState.Apply(s, new NodeEvent { Sequence = ++seq, RolledBack = r });
            s = NodeState.Apply(s, new NodeEvent { Sequence = ++seq, BootAttempted = d.ToBootAttempted() });
            s = NodeState.Apply(s, new NodeEvent { Sequence = ++seq, Booted = new Booted { Slot = d.Slot, MeasuredDigest = d.Slot == Slot.A ? a : b } });
            return (s.AnomalyCount == before).Label(string.Join("; ", s.Anomalies.Select(x => x.Message)));
        }));
    }
}

public sealed class RollbackEvidenceTests
{
    [Fact]
    public void Fallback_after_exhausted_trial_yields_rolled_back_with_evidence()
    {
        var ev = new Ev();
        var s = NodeState.Replay([
            ev.Written(Slot.A, 'a'), ev.Trial(Slot.A, 1), ev.Attempt(Slot.A, true, 0), ev.Booted(Slot.A, 'a'), ev.Confirmed(Slot.A),
            ev.Written(Slot.B, 'b'), ev.Trial(Slot.B, 2), ev.Attempt(Slot.B, true, 1), ev.Booted(Slot.B, 'b'),
            ev.Make(e => e.HealthCheckResult = new HealthCheckResult { Check = "services", Passed = false, Detail = "kubelet" }),
            ev.Make(e => e.HealthCheckResult = new HealthCheckResult { Check = "apid", Passed = true }),
            ev.Attempt(Slot.B, true, 0), ev.Booted(Slot.B, 'b'),
            ev.Make(e => e.HealthCheckResult = new HealthCheckResult { Check = "services", Passed = false, Detail = "kubelet" })]);
        var d = BootDecision.Decide(s, new MeasuredSlots(Ev.Digest('a'), Ev.Digest('b')));
        Assert.Equal(BootKind.Fallback, d.Kind);
        var r = d.ToRolledBack(s)!;
        Assert.Equal((Slot.B, Slot.A, RollbackReason.TriesExhausted, 2u), (r.From, r.To, r.Reason, r.TriesUsed));
        Assert.Equal(["services"], r.FailedChecks);
        var after = NodeState.Apply(s, ev.Make(e => e.RolledBack = r));
        Assert.Equal(BootKind.Normal, BootDecision.Decide(after, new MeasuredSlots(Ev.Digest('a'), Ev.Digest('b'))).Kind);
        Assert.Null(BootDecision.Decide(after, new MeasuredSlots(Ev.Digest('a'), null)).ToRolledBack(after));
    }
}
