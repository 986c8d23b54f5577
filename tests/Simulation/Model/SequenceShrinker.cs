using FsCheck;
using FsCheck.Fluent;

namespace Talos.Simulation.Tests.Model;

/// <summary>
/// Generation and shrinking of operation sequences. FsCheck's shrink loop is greedy: it takes the first candidate that
/// still fails and shrinks that again, until no candidate fails. Removing one step at a time stops at a local minimum
/// whenever two steps only matter together (removing either alone makes the failure vanish, removing both keeps it);
/// so the candidates here are, in order: delta-debugging chunk removals (the whole sequence, halves, quarters, ...
/// down to single steps, every aligned chunk of each size), then every step with one argument simplified (no power
/// loss, an earlier crash write, the first crash model, the first config/image, no staging). The fixed point is a
/// sequence from which no chunk of any of those sizes can be removed and no argument simplified.
/// </summary>
public static class SequenceShrinker
{
    /// <summary>Longest generated sequence.</summary>
    public const int MaxLength = 7;

    /// <summary>Largest crash write offset generated (an upgrade of a 64 KiB image writes a few dozen times).</summary>
    public const int MaxCrashWrite = 40;

    /// <summary>Sequences of 1..<see cref="MaxLength"/> steps; about one step in four loses power.</summary>
    public static Gen<ModelOp[]> Sequences() => Gen.Choose(1, MaxLength).SelectMany(n => Op().ArrayOf(n));

    /// <summary>One step.</summary>
    public static Gen<ModelOp> Op() =>
        from kind in Gen.Frequency(
            (3, Gen.Constant(OpKind.Apply)), (3, Gen.Constant(OpKind.UpgradeGood)), (2, Gen.Constant(OpKind.UpgradeFaulty)),
            (3, Gen.Constant(OpKind.Rollback)), (1, Gen.Constant(OpKind.ResetPreserve)), (1, Gen.Constant(OpKind.ResetFull)),
            (2, Gen.Constant(OpKind.Reboot)))
        from arg in Gen.Choose(0, ModelOp.ArgCount(kind) - 1)
        from staged in Gen.Elements(false, false, true)
        from crash in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, MaxCrashWrite).Select(k => (int?)k)))
        from model in Gen.Choose(0, ModelOp.ModelNames.Length - 1)
        select new ModelOp(kind, arg, kind == OpKind.Apply && staged, crash, crash is null ? 0 : model);

    /// <summary>The arbitrary FsCheck uses: <see cref="Sequences"/> with <see cref="Shrink"/>.</summary>
    public static Arbitrary<ModelOp[]> Arbitrary() => Arb.From(Sequences(), Shrink);

    /// <summary>Every simpler candidate of <paramref name="s"/>, chunk removals first (lazily: FsCheck stops at the first failing one).</summary>
    public static IEnumerable<ModelOp[]> Shrink(ModelOp[] s)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in RemoveChunks(s).Concat(SimplifySteps(s)))
            if (seen.Add(string.Join(";", c.Select(o => o.ToString()))))
                yield return c;
    }

    /// <summary>ddmin complements: for chunk sizes n, n/2, n/4, ..., 1, the sequence without each aligned chunk.</summary>
    public static IEnumerable<ModelOp[]> RemoveChunks(ModelOp[] s)
    {
        for (var size = s.Length; size >= 1; size = size == 1 ? 0 : (size + 1) / 2)
            for (var start = 0; start < s.Length; start += size)
                yield return [.. s[..start], .. s[Math.Min(s.Length, start + size)..]];
    }

    /// <summary>The sequence with one step's arguments made simpler, step by step.</summary>
    public static IEnumerable<ModelOp[]> SimplifySteps(ModelOp[] s)
    {
        for (var i = 0; i < s.Length; i++)
            foreach (var simpler in Simplify(s[i]))
                yield return [.. s[..i], simpler, .. s[(i + 1)..]];
    }

    /// <summary>Simpler versions of one step (each differs from it in one field, towards 0/false/null).</summary>
    public static IEnumerable<ModelOp> Simplify(ModelOp o)
    {
        if (o.CrashAt is { } k)
        {
            yield return o with { CrashAt = null, CrashModel = 0 };
            if (k > 0) yield return o with { CrashAt = 0 };
            if (k > 1) yield return o with { CrashAt = k / 2 };
            if (k > 0) yield return o with { CrashAt = k - 1 };
            if (o.CrashModel > 0) yield return o with { CrashModel = 0 };
        }
        if (o.Arg > 0) yield return o with { Arg = 0 };
        if (o.Arg > 1) yield return o with { Arg = o.Arg - 1 };
        if (o.Staged) yield return o with { Staged = false };
    }
}
