using System.Diagnostics;
using Talos.Ctl.Cluster;

namespace Talos.Benchmarks;

/// <summary>
/// Issue #9: <c>talosctl version</c> against a running node, as a fresh process each time (mutual TLS, one RPC), with
/// talosctl published ReadyToRun (or <c>$TALOSCTL</c>, a talosctl executable to measure instead). The node is a
/// one-node local cluster on 127.0.101.0/24 made with the provisioner <c>cluster create</c> uses. Baselines in the
/// same run: the same binary's <c>version --client</c> (process start and CLI parsing, no network) and the JIT build
/// (<c>dotnet talosctl.dll version</c>). Median of 15 runs each, interleaved. Goal: ≤ 150 ms wall.
/// </summary>
public sealed class ColdStartBenchmark : IBenchmark
{
    private const int Runs = 15;

    /// <inheritdoc />
    public string Name => "cold-start";

    /// <inheritdoc />
    public async Task<IReadOnlyList<BenchResult>> RunAsync(string workDir, CancellationToken ct)
    {
        var dir = Path.Combine(workDir, "cold-start");
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        var talosctl = Environment.GetEnvironmentVariable("TALOSCTL") is { Length: > 0 } given ? given : Publish(dir);
        // The JIT baseline: talosctl's own build output (its deps.json), same configuration as this benchmark.
        var cfg = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var jitDll = Path.Combine(RepoRoot(), "talosctl", "bin", cfg, "net10.0", "talosctl.dll");
        var config = Path.Combine(dir, "talosconfig");
        var provisioner = new ClusterProvisioner(TextWriter.Null);
        var options = new ClusterCreateOptions("bench", 1, 0, 256L << 20, null, Path.Combine(dir, "state"), "127.0.101.0/24",
            null, config, TimeSpan.FromSeconds(120));
        await provisioner.CreateAsync(options, ct);
        try
        {
            var (ours, client, jit) = (new List<double>(), new List<double>(), new List<double>());
            Time(talosctl, ["--talosconfig", config, "version"]);   // page cache warm, as for a user's second command
            for (var i = 0; i < Runs; i++)
            {
                ours.Add(Time(talosctl, ["--talosconfig", config, "version"]));
                client.Add(Time(talosctl, ["--talosconfig", config, "version", "--client"]));
                jit.Add(Time("dotnet", [jitDll, "--talosconfig", config, "version"]));
            }
            var (m, c, j) = (Median(ours), Median(client), Median(jit));
            return
            [
                new BenchResult("talosctl version vs a running node (fresh process, ReadyToRun, mTLS)", $"{m:F0} ms (min {ours.Min():F0})",
                    $"version --client {c:F0} ms; JIT build {j:F0} ms; load avg {File.ReadAllText("/proc/loadavg").Split(' ')[0]}", c / m, "≤ 150 ms", m <= 150),
            ];
        }
        finally
        {
            await provisioner.DestroyAsync("bench", Path.Combine(dir, "state"), config);
        }
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    /// <summary>Wall time of one fresh process in ms; it must succeed.</summary>
    private static double Time(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var ms = sw.Elapsed.TotalMilliseconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result}");
        return ms;
    }

    private static string RepoRoot()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "talosctl", "Talosctl.csproj"))) repo = repo.Parent;
        return repo?.FullName ?? throw new InvalidOperationException("talosctl/Talosctl.csproj not found above the benchmark; set TALOSCTL to a published talosctl");
    }

    /// <summary>Publishes talosctl ReadyToRun for this machine into <paramref name="dir"/>; returns the apphost path.</summary>
    private static string Publish(string dir)
    {
        var output = Path.Combine(dir, "talosctl-r2r");
        var psi = new ProcessStartInfo("dotnet", ["publish", Path.Combine(RepoRoot(), "talosctl", "Talosctl.csproj"), "-c", "Release",
            "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", output, "-nologo", "-v:q"])
        { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var log = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("dotnet publish talosctl failed:\n" + log);
        return Path.Combine(output, "talosctl");
    }
}
