using System.Runtime.CompilerServices;

namespace Talos.Simulation.Tests;

/// <summary>Writes any exception that escapes a background thread (it kills the test host silently) to sim-reports/unhandled.txt.</summary>
internal static class UnhandledLog
{
    /// <summary>Faulted tasks nobody awaited (an abandoned runtime's I/O after the power loss), counted by the finalizer.</summary>
    public static long UnobservedTaskExceptions;

    [ModuleInitializer]
    internal static void Init()
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "sim-reports");
            Directory.CreateDirectory(dir);
            File.AppendAllText(Path.Combine(dir, "unhandled.txt"), $"{e.ExceptionObject}\n\n");
        };
        TaskScheduler.UnobservedTaskException += (_, _) => Interlocked.Increment(ref UnobservedTaskExceptions);
    }
}
