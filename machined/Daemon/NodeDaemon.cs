using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Talos.Core.Errors;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Upgrade.Images;

namespace Talos.Machined.Daemon;

/// <summary>
/// The <c>machined</c> process: opens (or creates) the disk with its exclusive lock, serves the API and powers the
/// node on. Exits 0 on SIGTERM/SIGINT (services stopped, disk closed) and when the node powers off; 1 when the disk
/// cannot be used; 2 on a bad command line. <c>kill -9</c> is a power loss: the next start recovers from the disk.
/// </summary>
public static class NodeDaemon
{
    /// <summary>Entry point: parses <paramref name="args"/>, installs signal handlers and runs until exit.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        DaemonOptions options;
        try { options = DaemonOptions.Parse(args); }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"machined: {e.Message}\n{DaemonOptions.Usage}");
            return 2;
        }
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        return await RunAsync(options, Console.Out, stop.Token);
    }

    /// <summary>Runs one node until <paramref name="stop"/> is cancelled or the node powers off; returns the exit code.</summary>
    public static async Task<int> RunAsync(DaemonOptions o, TextWriter output, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(o);
        void Log(string line) => output.WriteLine($"{TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {line}");
        FileBlockDevice disk;
        try { disk = OpenDisk(o, Log); }
        catch (Exception e) when (e is TalosException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log($"machined: cannot use disk {o.Disk}: {e.Message}");
            return 1;
        }
        using var _ = disk;
        byte[] sealing;
        try { sealing = SealingSecretFile.LoadOrCreate(SealingSecretFile.PathFor(o), Log); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log($"machined: cannot use the node key sealing secret: {e.Message}");
            return 1;
        }
        var runtime = new NodeRuntime(new NodeRuntimeOptions
        {
            Disk = disk, DiskName = o.Disk, Address = o.Address.ToString(), Images = new LocalLayoutStore(o.ImageStore),
            Ids = new RandomIdSource(), EtcdIds = new RandomIdSource(), Log = Log, KeySealingSecret = sealing,
        });
        var poweredOff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        runtime.PoweredOff += () => poweredOff.TrySetResult();
        NodeServer server;
        try
        {
            server = await NodeServer.StartAsync(new NodeServerOptions
            {
                Runtime = runtime, Address = o.Address, Port = o.Port, Log = Log,
                Pki = new PkiContext(TimeProvider.System, new SecureRandom()),
                ConfigureLogging = b => b.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; c.UseUtcTimestamp = true; })
                    .SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning),
            }, stop);
        }
        catch (IOException e)
        {
            Log($"machined: cannot listen on {o.Address}:{o.Port}: {e.Message}");
            return 1;
        }
        await using (server)
        {
            Log($"machined: listening on {server.EndPoint} (disk {o.Disk})");
            if (o.StateDir is { } dir)
            {
                Directory.CreateDirectory(dir);
                await File.WriteAllTextAsync(Path.Combine(dir, "machined.endpoint"), server.EndPoint + "\n", CancellationToken.None);
            }
            var power = runtime.PowerOnAsync(stop);
            var stopped = Task.Delay(Timeout.Infinite, stop);
            var first = await Task.WhenAny(poweredOff.Task, stopped, Faulted(power));
            var code = 0;
            if (first == poweredOff.Task) Log("machined: the node powered off");
            else if (first == stopped) Log("machined: signal received, stopping");
            else { Log($"machined: power-on failed: {power.Exception?.GetBaseException().Message}"); code = 1; }
            await runtime.DisposeAsync();
            return code;
        }
    }

    private static FileBlockDevice OpenDisk(DaemonOptions o, Action<string> log)
    {
        if (File.Exists(o.Disk)) return FileBlockDevice.Open(o.Disk);
        log($"machined: creating sparse disk image {o.Disk} ({o.Size} bytes)");
        return FileBlockDevice.Create(o.Disk, o.Size);
    }

    /// <summary>Completes only when <paramref name="t"/> fails (a settled power-on is not a reason to exit).</summary>
    private static async Task Faulted(Task t)
    {
        try { await t; }
        catch (OperationCanceledException) { await Task.Delay(Timeout.Infinite, CancellationToken.None); }
        catch (Exception) { return; }
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
    }
}
