using System.Diagnostics;
using System.Net;

namespace Talos.Machined.Tests.Api;

/// <summary>A real <c>machined</c> child process (<c>dotnet machined.dll ...</c>) with its stdout captured.</summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly Process _p;
    private readonly List<string> _output = new();

    private DaemonProcess(Process p) => _p = p;

    public int Id => _p.Id;
    public string Output { get { lock (_output) return string.Join("\n", _output); } }

    public static DaemonProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "machined.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var d = new DaemonProcess(Process.Start(psi)!);
        d._p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (d._output) d._output.Add(e.Data); };
        d._p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (d._output) d._output.Add("stderr: " + e.Data); };
        d._p.BeginOutputReadLine();
        d._p.BeginErrorReadLine();
        return d;
    }

    /// <summary>Waits for the endpoint file the daemon writes into its state dir once it listens.</summary>
    public async Task<IPEndPoint> EndPointAsync(string stateDir, int seconds = 60)
    {
        var file = Path.Combine(stateDir, "machined.endpoint");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            if (File.Exists(file) && (await File.ReadAllTextAsync(file)).Trim() is { Length: > 0 } text && IPEndPoint.TryParse(text, out var ep))
                return ep;
            if (_p.HasExited) Assert.Fail($"machined exited with {_p.ExitCode} before listening:\n{Output}");
            if (cts.IsCancellationRequested) Assert.Fail("machined did not start listening:\n" + Output);
            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(int seconds = 30)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try { await _p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Assert.Fail("machined did not exit:\n" + Output); }
        return _p.ExitCode;
    }

    /// <summary>kill -9: a power loss.</summary>
    public void PowerLoss() => _p.Kill(entireProcessTree: true);

    /// <summary>kill -TERM: a clean stop.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_p.HasExited) _p.Kill(entireProcessTree: true);
        _p.Dispose();
    }
}
