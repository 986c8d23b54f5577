using System.Diagnostics;
using Talos.Ctl.Client;
using Talos.Ctl.Cluster;

namespace Talos.Benchmarks;

/// <summary>
/// Issue #9: <c>talosctl version</c> against a running node, as a fresh process each time (mutual TLS, one RPC), with
/// talosctl published Native AOT (or <c>$TALOSCTL</c>, a talosctl executable to measure instead). The node is a
/// one-node local cluster on 127.0.101.0/24 made with the provisioner <c>cluster create</c> uses. Baselines in the
/// same run: the AOT binary with the system CA store loaded (<c>TALOSCTL_SYSTEM_CA_STORE=1</c>), its
/// <c>version --client</c> (process start and CLI parsing, no network), the ReadyToRun publish and the JIT build
/// (<c>dotnet talosctl.dll version</c>). Median of 15 runs each, interleaved. Goal: ≤ 150 ms wall. Published binaries
/// are cached per commit under the work directory (<c>talosctl-publish/&lt;commit&gt;</c>; a dirty tree is keyed by its diff).
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
        var cache = Path.Combine(workDir, "talosctl-publish", TreeKey());
        var aot = Environment.GetEnvironmentVariable("TALOSCTL") is { Length: > 0 } given ? given
            : Publish(Path.Combine(cache, "aot"), "-p:PublishAot=true");
        var r2r = Publish(Path.Combine(cache, "r2r"), "--self-contained", "false", "-p:PublishReadyToRun=true");
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
            string[] version = ["--talosconfig", config, "version"];
            var (ours, store, client, ready, jit) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            Time(aot, version);   // page cache warm, as for a user's second command
            Time(r2r, version);
            for (var i = 0; i < Runs; i++)
            {
                ours.Add(Time(aot, version));
                store.Add(Time(aot, version, keepStore: true));
                client.Add(Time(aot, [.. version, "--client"]));
                ready.Add(Time(r2r, version));
                jit.Add(Time("dotnet", [jitDll, .. version]));
            }
            var (m, r) = (Median(ours), Median(ready));
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return
            [
                new BenchResult("talosctl version vs a running node (fresh process, Native AOT, mTLS)", $"{m:F0} ms (min {ours.Min():F0})",
                    $"with the system CA store {Median(store):F0} ms; version --client {Median(client):F0} ms; JIT build {Median(jit):F0} ms; load avg {load}",
                    Median(store) / m, "≤ 150 ms", m <= 150),
                new BenchResult("talosctl version vs a running node (fresh process, ReadyToRun, mTLS)", $"{r:F0} ms (min {ready.Min():F0})",
                    $"Native AOT {m:F0} ms", m / r, "≤ 150 ms", r <= 150),
            ];
        }
        finally
        {
            await provisioner.DestroyAsync("bench", Path.Combine(dir, "state"), config);
        }
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    /// <summary>Wall time of one fresh process in ms; it must succeed.</summary>
    private static double Time(string file, string[] args, bool keepStore = false)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (keepStore) psi.Environment[SystemCaStore.KeepVariable] = "1";
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

    /// <summary>
    /// Publishes talosctl for this machine into <paramref name="output"/> with <paramref name="flags"/> (warnings are
    /// errors, as in every build: an AOT or trim warning fails the benchmark); returns the executable. Reuses an earlier
    /// publish of the same tree.
    /// </summary>
    private static string Publish(string output, params string[] flags)
    {
        var exe = Path.Combine(output, "talosctl");
        if (File.Exists(Path.Combine(output, ".complete"))) return exe;
        if (Directory.Exists(output)) Directory.Delete(output, true);
        var (code, log) = Run("dotnet", ["publish", Path.Combine(RepoRoot(), "talosctl", "Talosctl.csproj"), "-c", "Release", "-r", "linux-x64",
            .. flags, "-o", output, "-nologo", "-v:q"]);
        if (code != 0) throw new InvalidOperationException($"dotnet publish talosctl {string.Join(' ', flags)} failed:\n" + log);
        File.WriteAllText(Path.Combine(output, ".complete"), "");
        return exe;
    }

    /// <summary>HEAD's commit, plus a hash of uncommitted changes (diff and new files) when the tree is dirty: the publish cache key.</summary>
    private static string TreeKey()
    {
        var root = RepoRoot();
        string[] paths = ["--", "talosctl", "specs", "core", "partitions", "sequencer", "upgrade", "Directory.Build.props", "Directory.Packages.props"];
        var head = Run("git", ["-C", root, "rev-parse", "HEAD"]).Output.Trim();
        var dirty = new System.Text.StringBuilder(Run("git", ["-C", root, "diff", "HEAD", .. paths]).Output);
        foreach (var f in Run("git", ["-C", root, "ls-files", "--others", "--exclude-standard", .. paths]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            dirty.Append(f).Append('\n').Append(File.ReadAllText(Path.Combine(root, f)));
        return dirty.Length == 0 ? head
            : $"{head}-dirty-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dirty.ToString())))[..12]}";
    }

    private static (int Code, string Output) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
