using System.Diagnostics;

namespace Talos.Integration.Tests.Support;

/// <summary>
/// A second, private PostgreSQL server for tests that stop and restart the store (the shared one from tests/run.sh
/// must stay up for the other tests). Started with the same script, tests/pg.sh, in its own directory and port range.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _root;
    private readonly int _firstPort;

    private PrivatePostgres(string root, int firstPort) { _root = root; _firstPort = firstPort; }

    /// <summary>Connection string of the running server.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Creates and starts a server in a fresh directory under /tmp (short path: socket limit).</summary>
    public static async Task<PrivatePostgres> StartAsync(string name, int firstPort)
    {
        var pg = new PrivatePostgres($"/tmp/tpg-{name}", firstPort);
        await pg.RunScriptAsync("destroy");
        await pg.StartAgainAsync();
        return pg;
    }

    /// <summary>Starts the (stopped) server again on its data directory.</summary>
    public async Task StartAgainAsync()
    {
        var output = await RunScriptAsync("start");
        var line = output.Split('\n').Single(l => l.StartsWith("export TALOS_TEST_PG=", StringComparison.Ordinal));
        ConnectionString = line["export TALOS_TEST_PG=".Length..].Trim('\'') + ";Timeout=3;Command Timeout=10";
    }

    /// <summary>Stops the server (fast shutdown); its data stays.</summary>
    public Task StopAsync() => RunScriptAsync("stop");

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await RunScriptAsync("destroy");

    private async Task<string> RunScriptAsync(string verb)
    {
        var psi = new ProcessStartInfo("bash", [ScriptPath(), verb]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PG_ROOT"] = _root;
        psi.Environment["PG_FIRST_PORT"] = _firstPort.ToString();
        psi.Environment["PG_DB"] = "talos";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tests/pg.sh {verb} failed ({p.ExitCode}): {await stderr}");
        return await stdout;
    }

    private static string ScriptPath()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "pg.sh");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("tests/pg.sh not found above " + AppContext.BaseDirectory);
    }
}
