namespace Talos.Simulation.Tests;

/// <summary>
/// SplitMix64: every random choice of a simulation comes from one of these, split from the run's seed, so a seed
/// replays the same run on every platform (System.Random's algorithm is not specified across .NET versions).
/// </summary>
public sealed class SimRng(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The seed this generator started from.</summary>
    public ulong Seed { get; } = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Below(int n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (int)(Next() % (ulong)n);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => (Next() >> 11) * (1.0 / (1UL << 53)) < p;

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    /// <summary>An independent generator (for a sub-component), so adding draws in one place does not shift another.</summary>
    public SimRng Split() => new(Next());
}
