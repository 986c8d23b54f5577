using System.Runtime.CompilerServices;

namespace Talos.Simulation.Tests;

/// <summary>Writes any exception that escapes a background thread (it kills the test host silently) to sim-reports/unhandled.txt.</summary>
internal static class UnhandledLog
{
    /// <summary>Faulted tasks nobody awaited (an abandoned runtime's I/O after the power loss), counted by the finalizer.</summary>
    public static long UnobservedTaskExceptions;

    /// <summary>Unobserved exceptions by type and throwing method (all of the process: the counts are cumulative).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> ByKind = new(StringComparer.Ordinal);

    /// <summary>The most frequent kinds so far ("type at method count").</summary>
    public static string Kinds() => ByKind.IsEmpty ? "none" : "cumulative: " + string.Join("; ", ByKind.OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key} {kv.Value}"));

    [ModuleInitializer]
    internal static void Init()
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "sim-reports");
            Directory.CreateDirectory(dir);
            File.AppendAllText(Path.Combine(dir, "unhandled.txt"), $"{e.ExceptionObject}\n\n");
        };
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            Interlocked.Increment(ref UnobservedTaskExceptions);
            var inner = e.Exception.InnerExceptions.Count == 1 ? e.Exception.InnerException! : e.Exception;
            var where = inner.TargetSite is { } m ? $"{m.DeclaringType?.Name}.{m.Name}" : "?";
            ByKind.AddOrUpdate($"{inner.GetType().Name} at {where}", 1, (_, n) => n + 1);
        };
    }
}
