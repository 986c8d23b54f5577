using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Talos.Upgrade.Tests.Registry;

/// <summary>
/// Debian's real <c>docker-registry</c> (distribution 2.8) serving filesystem storage in a temp dir on
/// 127.0.5.1:&lt;a free port in 5000-5099&gt;; started once per test class, killed at the end.
/// The binary comes from $TALOS_DOCKER_REGISTRY or /usr/bin/docker-registry; when missing the tests fail.
/// </summary>
public sealed class RegistryProcess : IAsyncLifetime
{
    public const string Host = "127.0.5.1";
    private Process? _process;
    private string _dir = "";

    public int Port { get; private set; }
    public string Registry => $"{Host}:{Port}";
    public Uri Endpoint => new($"http://{Host}:{Port}");
    public string StorageDir => Path.Combine(_dir, "storage");
    public HttpClient Http { get; } = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        var bin = Environment.GetEnvironmentVariable("TALOS_DOCKER_REGISTRY") ?? "/usr/bin/docker-registry";
        if (!File.Exists(bin))
            throw new InvalidOperationException($"docker-registry not found at {bin}: run the tests through tests/run.sh (it installs Debian's docker-registry: apt-get install -y docker-registry) or set TALOS_DOCKER_REGISTRY");
        _dir = Path.Combine(Path.GetTempPath(), $"talos-registry-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(StorageDir);
        var start = 5000 + (Environment.ProcessId + Environment.CurrentManagedThreadId * 7) % 100;
        for (var i = 0; i < 100 && _process is null; i++)
        {
            var port = 5000 + (start - 5000 + i) % 100;
            if (!IsFree(port)) continue;
            if (await TryStartAsync(bin, port)) Port = port;
        }
        if (_process is null) throw new InvalidOperationException("could not start docker-registry on any port 5000-5099 of 127.0.5.1");
    }

    /// <summary>A port in 5000-5099 on 127.0.5.1 with nothing listening (for "registry down" tests).</summary>
    public static int DeadPort()
    {
        for (var p = 5099; p >= 5000; p--) if (IsFree(p)) return p;
        throw new InvalidOperationException("no free port");
    }

    private async Task<bool> TryStartAsync(string bin, int port)
    {
        var config = Path.Combine(_dir, $"config-{port}.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: {StorageDir}
              delete:
                enabled: true
            http:
              addr: {Host}:{port}
            """);
        var p = Process.Start(new ProcessStartInfo(bin, ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            if (p.HasExited) return false;
            try
            {
                using var r = await Http.GetAsync(new Uri($"http://{Host}:{port}/v2/"));
                if (r.StatusCode == HttpStatusCode.OK) { _process = p; return true; }
            }
            catch (HttpRequestException) { }
            await Task.Delay(50);
        }
        p.Kill(entireProcessTree: true);
        return false;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Parse(Host), port);
            l.Start();
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>Path of a blob's data file in the registry's filesystem storage (to tamper with it).</summary>
    public string BlobDataPath(string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(StorageDir, "docker", "registry", "v2", "blobs", "sha256", hex[..2], hex, "data");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        _process?.Dispose();
        Http.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
