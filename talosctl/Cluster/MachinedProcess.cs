using System.Diagnostics;
using System.Net.Sockets;

namespace Talos.Ctl.Cluster;

/// <summary>Starts, probes and stops machined daemons for a local cluster (real child processes, one per node).</summary>
public static class MachinedProcess
{
    /// <summary>
    /// Finds machined.dll: <c>--machined</c>, then <c>$TALOS_MACHINED</c>, then next to talosctl, then the build output of
    /// this repository (Release before Debug).
    /// </summary>
    public static string Locate(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return Existing(explicitPath, "--machined");
        if (Environment.GetEnvironmentVariable("TALOS_MACHINED") is { Length: > 0 } env) return Existing(env, "TALOS_MACHINED");
        var beside = Path.Combine(AppContext.BaseDirectory, "machined.dll");
        if (File.Exists(beside)) return beside;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            foreach (var cfg in new[] { "Release", "Debug" })
            {
                var p = Path.Combine(d.FullName, "machined", "bin", cfg, "net10.0", "machined.dll");
                if (File.Exists(p)) return p;
            }
        throw new ClusterException("machined not found: build it (dotnet build Talos.sln) or pass --machined <path to machined.dll>");
    }

    private static string Existing(string path, string from) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new ClusterException($"{from}: {path} does not exist");

    /// <summary>Starts a daemon in its own session (it outlives talosctl), output appended to <paramref name="log"/>. Returns its PID.</summary>
    public static int Start(string machinedDll, string log, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("setsid \"$@\" >>\"$TALOS_LOG\" 2>&1 </dev/null & echo $!");
        psi.ArgumentList.Add("machined");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(machinedDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TALOS_LOG"] = log;
        using var p = Process.Start(psi) ?? throw new ClusterException("could not start /bin/sh");
        var pid = p.StandardOutput.ReadLine();
        p.WaitForExit();
        return int.TryParse(pid, out var n) ? n : throw new ClusterException($"could not start machined (got \"{pid}\")");
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return true; }
    }

    /// <summary>Waits until <paramref name="address"/>:50000 accepts TCP connections or the process dies.</summary>
    public static async Task WaitListeningAsync(string address, int pid, string log, TimeSpan timeout, CancellationToken ct)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (!Alive(pid)) throw new ClusterException($"machined for {address} exited during start-up; see {log}:\n{Tail(log)}");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(address, 50000, ct);
                return;
            }
            catch (SocketException) { await Task.Delay(100, ct); }
        }
        throw new ClusterException($"machined for {address} did not listen on port 50000 within {timeout.TotalSeconds:0}s; see {log}");
    }

    /// <summary>SIGTERM (machined shuts down cleanly), then SIGKILL after <paramref name="grace"/>.</summary>
    public static async Task StopAsync(int pid, TimeSpan grace)
    {
        if (!Alive(pid)) return;
        _ = kill(pid, 15);
        var until = DateTime.UtcNow + grace;
        while (Alive(pid) && DateTime.UtcNow < until) await Task.Delay(50);
        if (Alive(pid)) _ = kill(pid, 9);
        for (var i = 0; i < 100 && Alive(pid); i++) await Task.Delay(20);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>The last lines of a log file.</summary>
    public static string Tail(string log, int lines = 15) =>
        File.Exists(log) ? string.Join("\n", File.ReadLines(log).TakeLast(lines)) : "(no log)";
}
