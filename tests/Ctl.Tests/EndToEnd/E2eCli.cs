using System.Diagnostics;
using Talos.Ctl.Commands;
using Xunit.Abstractions;

namespace Talos.Ctl.Tests.EndToEnd;

/// <summary>One CLI invocation's result.</summary>
public sealed record CliResult(int Rc, string Out, string Err)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"rc={Rc}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>
/// Runs talosctl in-process through its entry point (<see cref="Cli.RunAsync"/>) as a user would from a shell without a
/// terminal: a fixed --talosconfig, plain output, each call bounded by a timeout, every call logged with its duration.
/// </summary>
public sealed class E2eCli(string talosconfig, ITestOutputHelper log)
{
    /// <summary>The talosconfig every call uses.</summary>
    public string TalosConfig => talosconfig;

    /// <summary>Runs one command; fails the test when it does not end within <paramref name="timeout"/>.</summary>
    public async Task<CliResult> Run(TimeSpan timeout, params string[] args)
    {
        using var cts = new CancellationTokenSource(timeout);
        var (o, e) = (new StringWriter(), new StringWriter());
        var sw = Stopwatch.StartNew();
        var rc = await Cli.RunAsync(["--talosconfig", talosconfig, .. args], new CliContext(o, e) { Interactive = false }, cts.Token);
        log.WriteLine($"[{sw.Elapsed.TotalSeconds,5:0.0}s] talosctl {string.Join(' ', args)} -> {rc}");
        Assert.False(cts.IsCancellationRequested, $"talosctl {string.Join(' ', args)} did not end within {timeout.TotalSeconds:0}s:\n{o}\n{e}");
        return new CliResult(rc, o.ToString(), e.ToString());
    }

    /// <summary>Runs with the default 2-minute bound.</summary>
    public Task<CliResult> Run(params string[] args) => Run(TimeSpan.FromMinutes(2), args);

    /// <summary>Runs and asserts exit code 0.</summary>
    public async Task<CliResult> Ok(params string[] args)
    {
        var r = await Run(args);
        Assert.True(r.Rc == 0, $"talosctl {string.Join(' ', args)} failed:\n{r}");
        return r;
    }

    /// <summary>
    /// Runs a command that follows a stream (events, logs -f) until its output satisfies <paramref name="done"/>, then
    /// cancels it as Ctrl+C would (exit code 130). Fails when the output never satisfies it within <paramref name="timeout"/>.
    /// </summary>
    public async Task<string> Follow(Func<string, bool> done, TimeSpan timeout, params string[] args)
    {
        using var cts = new CancellationTokenSource(timeout);
        var o = new StringWriter();
        var e = new StringWriter();
        var run = Cli.RunAsync(["--talosconfig", talosconfig, .. args], new CliContext(o, e) { Interactive = false, ReconnectDelay = TimeSpan.FromMilliseconds(200) }, cts.Token);
        while (!run.IsCompleted && !done(o.ToString())) await Task.WhenAny(run, Task.Delay(100));
        cts.Cancel();
        var rc = await run;
        log.WriteLine($"talosctl {string.Join(' ', args)} (followed) -> {rc}");
        Assert.True(done(o.ToString()), $"talosctl {string.Join(' ', args)}: expected output did not appear within {timeout.TotalSeconds:0}s (rc {rc}):\n{o}\n{e}");
        return o.ToString();
    }

    /// <summary>Repeats a command until <paramref name="done"/> holds (a node rebooting), bounded by <paramref name="timeout"/>.</summary>
    public async Task<CliResult> Poll(Func<CliResult, bool> done, TimeSpan timeout, params string[] args)
    {
        var sw = Stopwatch.StartNew();
        CliResult last;
        do
        {
            last = await Run(TimeSpan.FromSeconds(30), args);
            if (done(last)) return last;
            await Task.Delay(500);
        }
        while (sw.Elapsed < timeout);
        Assert.Fail($"talosctl {string.Join(' ', args)} never gave the expected output within {timeout.TotalSeconds:0}s; last:\n{last}");
        return last;
    }

    /// <summary>
    /// A test's cleanup: a failed run must not leak daemons, so the cluster left in <paramref name="stateRoot"/> is
    /// destroyed and any PID its state still names is killed; then <paramref name="root"/> is deleted.
    /// </summary>
    public async Task CleanUpAsync(string name, string stateRoot, string root)
    {
        if (Talos.Ctl.Cluster.ClusterState.Load(Path.Combine(stateRoot, name)) is { } left)
        {
            await Run("cluster", "destroy", "--name", name, "--state", stateRoot);
            foreach (var n in left.Nodes) await Talos.Ctl.Cluster.MachinedProcess.StopAsync(n.Pid, TimeSpan.FromSeconds(2));
        }
        Directory.Delete(root, recursive: true);
    }

    /// <summary>machined.dll of the same configuration as this test assembly (Ctl.Tests builds it).</summary>
    public static string MachinedDll()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));   // tests/Ctl.Tests/bin/<cfg>/net10.0
        var cfg = bin.Parent!.Name;
        var repo = bin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(repo, "machined", "bin", cfg, "net10.0", "machined.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build tests/Ctl.Tests (it builds machined)");
        return path;
    }
}
