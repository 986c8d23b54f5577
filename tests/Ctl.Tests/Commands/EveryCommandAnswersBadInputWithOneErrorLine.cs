using System.CommandLine;
using System.Text.RegularExpressions;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;
using Xunit.Abstractions;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// Walks the whole command tree and runs every command with empty and garbage values for each of its options and for
/// its positional arguments (issue 20 item 8: <c>audit fleet --store ""</c> crashed with a stack trace). Every run must
/// end within its bound, print no stack trace, never reach <see cref="Cli"/>'s last-resort handler (that would be a
/// crash it hid), and exit non-zero only with an <c>error:</c> line. Nodes are an unused loopback address (connection
/// refused at once); files, stores and cluster state go to a temporary directory.
/// </summary>
public sealed partial class EveryCommandAnswersBadInputWithOneErrorLine(ITestOutputHelper log) : IDisposable
{
    private static readonly string[] BadValues = ["", "\u0001garbage:;[]{}%", "-1", "99999999999999999999999h"];

    /// <summary>Commands that wait or follow by design (health retries, events follow): cancelling them after the bound is fine.</summary>
    private static readonly string[] Waiting = ["health", "events", "logs", "dmesg", "dashboard", "get"];

    private readonly string _dir = Directory.CreateTempSubdirectory("talosctl-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Every_command_with_empty_or_garbage_values_prints_one_error_line_and_no_stack_trace()
    {
        var config = Path.Combine(_dir, "talosconfig");
        var cfg = new TalosConfig { Context = "fuzz" };
        cfg.Contexts["fuzz"] = new TestPki().Context(["127.0.77.1:50000"], ["127.0.77.1"]);
        cfg.Save(config);

        var root = Cli.Build(new CliContext(TextWriter.Null, TextWriter.Null));
        var runs = Invocations(root, []).ToList();
        // The global flags, on a node command and on an offline one.
        foreach (var global in root.Options.Where(o => o.Recursive))
            foreach (var value in BadValues)
                runs.AddRange([["services", global.Name, value], ["config", "info", global.Name, value]]);
        var failures = new List<string>();
        foreach (var args in runs)
            if (await Check(config, args) is { } failure) failures.Add(failure);
        log.WriteLine($"{runs.Count} invocations, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {runs.Count} invocations misbehaved:\n" + string.Join("\n\n", failures.Take(40)));
        Assert.True(runs.Count > 300, $"the walk found only {runs.Count} invocations: is the command tree empty?");
    }

    private async Task<string?> Check(string config, string[] args)
    {
        var waiting = Waiting.Contains(args[0]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(waiting ? 3 : 30));
        var (o, e) = (new StringWriter(), new StringWriter());
        int rc;
        try
        {
            rc = await Cli.RunAsync(["--talosconfig", config, .. args], new CliContext(o, e) { PollInterval = TimeSpan.FromMilliseconds(50), ReconnectDelay = TimeSpan.FromMilliseconds(50) }, cts.Token);
        }
        catch (Exception x)
        {
            return $"talosctl {Show(args)}: exception escaped: {x}";
        }
        var err = e.ToString();
        var what = $"talosctl {Show(args)} -> {rc}\n{o}{err}";
        if (cts.IsCancellationRequested) return waiting ? null : $"did not end within 30s: {what}";
        if (err.Contains("Unhandled exception", StringComparison.Ordinal) || StackFrame().IsMatch(err) || StackFrame().IsMatch(o.ToString()))
            return "stack trace: " + what;
        if (err.Contains(Cli.BugMarker, StringComparison.Ordinal)) return "crash caught only by the last-resort handler: " + what;
        if (rc != 0 && !err.Split('\n').Any(l => l.StartsWith("error: ", StringComparison.Ordinal))) return "non-zero exit without an error line: " + what;
        return null;
    }

    /// <summary>Per command: each option with each bad value, then every positional argument set to each bad value.</summary>
    private IEnumerable<string[]> Invocations(Command cmd, string[] path)
    {
        if (cmd.Action is not null && path.Length > 0)
        {
            var options = cmd.Options.Where(o => !o.Hidden && o.Name is not ("--help" or "--version")).ToList();
            foreach (var option in options)
                foreach (var value in BadValues)
                    yield return [.. path, .. Safe(path, option.Name), .. Required(cmd, option), .. Positionals(cmd, "x"), option.Name, value];
            if (cmd.Arguments.Count > 0)
                foreach (var value in BadValues)
                    yield return [.. path, .. Safe(path, null), .. Required(cmd, null), .. Positionals(cmd, value)];
        }
        foreach (var sub in cmd.Subcommands)
            foreach (var run in Invocations(sub, [.. path, sub.Name]))
                yield return run;
    }

    /// <summary>Values that keep a run inside the test: temporary stores and outputs, short waits, no real cluster.</summary>
    private IEnumerable<string> Safe(string[] path, string? tested)
    {
        var safe = new List<(string Option, string Value)>();
        switch (path[0])
        {
            case "cluster":
                safe.Add(("--state", Path.Combine(_dir, "clusters")));
                if (path.Length > 1 && path[1] == "create") safe.AddRange([("--controlplanes", "0"), ("--machined", Path.Combine(_dir, "none.dll")), ("--cidr", "127.0.77.0/24")]);
                break;
            case "image": safe.Add(("--store", Path.Combine(_dir, "images"))); break;
            case "health": safe.Add(("--wait-timeout", "1s")); break;
            case "gen" when path.Length > 1 && path[1] == "config": safe.Add(("--output-dir", Path.Combine(_dir, "gen"))); break;
            case "gen" when path.Length > 1 && path[1] == "secrets": safe.Add(("--output-file", Path.Combine(_dir, "secrets.yaml"))); break;
            case "upgrade" or "reset" or "reboot" or "shutdown": safe.Add(("--timeout", "2s")); break;
        }
        return safe.Where(s => s.Option != tested).SelectMany(s => new[] { s.Option, s.Value });
    }

    private static IEnumerable<string> Required(Command cmd, Option? tested) =>
        cmd.Options.Where(o => o.Required && o != tested).SelectMany(o => new[] { o.Name, "x" });

    private static IEnumerable<string> Positionals(Command cmd, string value) =>
        cmd.Arguments.Where(a => a.Arity.MaximumNumberOfValues > 0).Select(_ => value);

    private static string Show(string[] args) => string.Join(' ', args.Select(a => a.Length == 0 || a.Contains(' ') ? $"\"{a}\"" : a));

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
