namespace Talos.Machined.Tests.Torture;

/// <summary>
/// How many SIGKILL cycles the process-level torture runs and with which seed: <c>TALOS_TORTURE_CYCLES</c> (default 3)
/// and <c>TALOS_TORTURE_SEED</c> (default 1). <c>tests/torture.sh --cycles N --seed S</c> sets both.
/// </summary>
public sealed record TortureSettings(int Cycles, int Seed)
{
    public const int DefaultCycles = 3;
    public const int DefaultSeed = 1;

    public static TortureSettings FromEnvironment() => Parse(
        Environment.GetEnvironmentVariable("TALOS_TORTURE_CYCLES"), Environment.GetEnvironmentVariable("TALOS_TORTURE_SEED"));

    /// <summary>Parses the two variables; a value that is set but not a positive (cycles) or non-negative (seed) number is an error.</summary>
    public static TortureSettings Parse(string? cycles, string? seed)
    {
        var c = DefaultCycles;
        if (!string.IsNullOrEmpty(cycles) && (!int.TryParse(cycles, out c) || c < 1))
            throw new ArgumentException($"TALOS_TORTURE_CYCLES=\"{cycles}\" is not a positive number of cycles");
        var s = DefaultSeed;
        if (!string.IsNullOrEmpty(seed) && (!int.TryParse(seed, out s) || s < 0))
            throw new ArgumentException($"TALOS_TORTURE_SEED=\"{seed}\" is not a non-negative integer seed");
        return new TortureSettings(c, s);
    }

    /// <summary>The one-line command that replays this run.</summary>
    public string ReplayCommand => $"tests/torture.sh --cycles {Cycles} --seed {Seed}";
}
