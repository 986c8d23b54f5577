using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Talos.Ctl.Tests.Images;

/// <summary>
/// Debian's <c>docker-registry</c> (distribution) on 127.0.101.20 with filesystem storage in a temp dir, one per test
/// class. Plain HTTP: talosctl reaches loopback registries the way Docker does. Missing binary: the tests fail and say
/// how to get it (tests/run.sh installs it).
/// </summary>
public sealed class LocalRegistry : IAsyncLifetime
{
    public const string Host = "127.0.101.20";
    private readonly string _dir = Directory.CreateTempSubdirectory("talosctl-registry-").FullName;
    private Process? _process;

    public int Port { get; private set; }
    public string Address => $"{Host}:{Port}";

    public async Task InitializeAsync()
    {
        var bin = Environment.GetEnvironmentVariable("TALOS_DOCKER_REGISTRY") ?? "/usr/bin/docker-registry";
        if (!File.Exists(bin)) throw new InvalidOperationException($"docker-registry not found at {bin}: run tests/run.sh (apt-get install -y docker-registry) or set TALOS_DOCKER_REGISTRY");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 5 && _process is null; attempt++)
        {
            Port = FreePort();
            var config = Path.Combine(_dir, $"config-{Port}.yml");
            File.WriteAllText(config, $"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {_dir}/storage\nhttp:\n  addr: {Address}\n");
            var p = Process.Start(new ProcessStartInfo(bin, ["serve", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            for (var i = 0; i < 100 && !p.HasExited && _process is null; i++)
            {
                try { if ((await http.GetAsync(new Uri($"http://{Address}/v2/"))).StatusCode == HttpStatusCode.OK) _process = p; }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { await Task.Delay(50); }
            }
            if (_process is null && !p.HasExited) p.Kill();
        }
        if (_process is null) throw new InvalidOperationException($"docker-registry did not start on {Host}");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Parse(Host), 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) { _process.Kill(); _process.WaitForExit(5000); }
        _process?.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}
