namespace Talos.Partitions.Devices;

/// <summary>
/// SplitMix64: a tiny, fully specified PRNG. Used instead of <see cref="Random"/> so that a crash seed replays
/// the same disk on every .NET version and platform.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public long NextLong(long n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (long)(Next() % (ulong)n);

    public void Fill(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++) buffer[i] = (byte)Next();
    }
}
