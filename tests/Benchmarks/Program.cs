using System.Diagnostics;
using System.Reflection;

namespace Talos.Benchmarks;

/// <summary>One benchmark: measures our code and the physical limit (baseline) in the same run.</summary>
public interface IBenchmark
{
    /// <summary>Short name used on the command line (e.g. "disk-write").</summary>
    string Name { get; }

    /// <summary>Runs the benchmark in <paramref name="workDir"/> and returns one or more result rows.</summary>
    Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct);
}

/// <summary>One README table row: what was measured, our number, the baseline's number, and the goal.</summary>
/// <param name="Benchmark">What was measured.</param>
/// <param name="Ours">Our result, with unit (e.g. "812 MiB/s").</param>
/// <param name="Baseline">The physical limit measured in the same run, with what it is (e.g. "dd conv=fsync 850 MiB/s").</param>
/// <param name="Ratio">Ours / baseline (higher is better), or NaN when not a ratio.</param>
/// <param name="Goal">The goal from the issue (e.g. "≥ 0.9×").</param>
/// <param name="Met">Whether the goal was met in this run.</param>
public sealed record BenchResult(string Benchmark, string Ours, string Baseline, double Ratio, string Goal, bool Met);

internal static class Program
{
    /// <summary>Usage: Talos.Benchmarks [name ...] [--workdir DIR]. No names = all. Prints a markdown table.</summary>
    public static async Task<int> Main(string[] args)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "talos-bench");
        var names = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--workdir" && i + 1 < args.Length) workDir = args[++i];
            else names.Add(args[i]);
        }
        Directory.CreateDirectory(workDir);
        var all = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        var chosen = names.Count == 0 ? all : all.Where(b => names.Contains(b.Name)).ToList();
        if (chosen.Count == 0)
        {
            Console.Error.WriteLine($"no benchmark matches; known: {string.Join(", ", all.Select(b => b.Name))}");
            return 2;
        }
        var rows = new List<BenchResult>();
        foreach (var b in chosen)
        {
            Console.Error.WriteLine($"running {b.Name} ...");
            var sw = Stopwatch.StartNew();
            rows.AddRange(await b.RunAsync(workDir, CancellationToken.None));
            Console.Error.WriteLine($"  {b.Name} took {sw.Elapsed.TotalSeconds:F1} s");
        }
        Console.WriteLine("| benchmark | ours | baseline (same run) | ratio | goal | met |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in rows)
            Console.WriteLine($"| {r.Benchmark} | {r.Ours} | {r.Baseline} | {(double.IsNaN(r.Ratio) ? "–" : r.Ratio.ToString("F2") + "×")} | {r.Goal} | {(r.Goal.StartsWith('(') ? "–" : r.Met ? "yes" : "no")} |");
        return 0;
    }
}
