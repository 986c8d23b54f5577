using System.Text;

namespace Talos.Simulation.Tests;

/// <summary>One operation of the random operator (or of an exhaustive scenario).</summary>
public sealed record SimOp(string Kind, string Detail, string? Image = null, string? NewConfig = null, bool WipesConfig = false)
{
    /// <summary>True when the operation ran to its end without a power loss.</summary>
    public bool Completed { get; set; }

    public override string ToString() => $"{Kind}({Detail})";
}

/// <summary>Where a run's wall time goes (reported per phase; a phase's time includes the runtime work it drives).</summary>
public enum SimPhase
{
    /// <summary>An operation that ran to its end (the node's own work: sequences, events, slot writes).</summary>
    Operation,
    /// <summary>An operation up to the write or operation at which the power failed.</summary>
    OperationUntilPowerLoss,
    /// <summary>Taking the post-crash disk image (copy-on-write fork and the crash model's fate of pending writes).</summary>
    CrashImage,
    /// <summary>Invariant checks on the crashed disk alone (log prefix, confirmed slot untouched).</summary>
    CrashChecks,
    /// <summary>A new runtime's power-on over the crashed disk: META open, fold, crash recovery, boot, until settled.</summary>
    RecoveryPowerOn,
    /// <summary>Invariant checks after a step settled (slot digests, fold of META on disk, config, anomalies).</summary>
    SettledChecks,
}

/// <summary>
/// What a simulation run covered: cycles, crash states explored, invariant checks by number, and for every injected
/// crash the operation, the sequence/phase/tasks that were open when the power failed, and the steps that led there.
/// </summary>
public sealed class SimReport
{
    private readonly long[] _checks = new long[8];
    private readonly long _startTicks = Environment.TickCount64;
    private readonly int[] _gcStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly long _unobservedStart = Interlocked.Read(ref UnhandledLog.UnobservedTaskExceptions);
    private readonly long _ticksStart = Interlocked.Read(ref SimNode.ClockTicks);

    private readonly long[] _phaseTicks = new long[Enum.GetValues<SimPhase>().Length];

    /// <summary>A timestamp for <see cref="Timed"/>.</summary>
    public static long Now => System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="phase"/> (reported, never part of the trace).</summary>
    public void Timed(SimPhase phase, long start) => _phaseTicks[(int)phase] += System.Diagnostics.Stopwatch.GetTimestamp() - start;

    /// <summary>Tasks of this run that failed with nobody observing the failure (counted when the finalizer finds them).</summary>
    public long UnobservedTaskExceptions => Interlocked.Read(ref UnhandledLog.UnobservedTaskExceptions) - _unobservedStart;

    public long Cycles { get; private set; }
    public long Crashes { get; private set; }
    public long CrashStates { get; private set; }
    public long Refusals { get; private set; }
    public long Seeds { get; set; }

    /// <summary>"operation → sequence/phase/open tasks" → number of crashes injected there.</summary>
    public SortedDictionary<string, int> Coverage { get; } = new(StringComparer.Ordinal);

    /// <summary>The steps of every sequence in which a crash was injected (first 2000 kept).</summary>
    public List<string> CrashedSequences { get; } = new();

    /// <summary>Faults injected besides plain power loss, by kind ("misdirected write", "read errors", "image source", ...).</summary>
    public SortedDictionary<string, long> Faults { get; } = new(StringComparer.Ordinal);

    public void Fault(string kind, long count = 1) => Faults[kind] = Faults.GetValueOrDefault(kind) + count;

    public void Checked(int invariant) => _checks[invariant]++;
    public long ChecksOf(int invariant) => _checks[invariant];
    public long TotalChecks => _checks.Sum();
    public void Cycle() => Cycles++;
    public void Refused() => Refusals++;

    /// <summary>A crash injected at <paramref name="where"/>; <paramref name="steps"/> is formatted only while sequences are still kept.</summary>
    public void Crash(string where, Func<string> steps)
    {
        Crashes++;
        CrashStates++;
        Coverage[where] = Coverage.GetValueOrDefault(where) + 1;
        if (CrashedSequences.Count < 2000) CrashedSequences.Add(steps());
    }

    /// <summary>A crash state explored without a new injected crash (an exhaustive variant of the same crash point).</summary>
    public void ExtraCrashState() => CrashStates++;

    public double Minutes => Math.Max(1e-9, (Environment.TickCount64 - _startTicks) / 60_000.0);

    public string Summary(string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"== {title}");
        sb.AppendLine($"seeds {Seeds}, cycles {Cycles}, crashes injected {Crashes}, crash states explored {CrashStates}, refusals {Refusals}");
        sb.AppendLine("faults injected: " + (Faults.Count == 0 ? "none besides power loss" : string.Join(", ", Faults.Select(kv => $"{kv.Key} {kv.Value}"))));
        sb.AppendLine($"invariant checks {TotalChecks}: " + string.Join(", ", Enumerable.Range(1, 7).Select(i => $"#{i}={_checks[i]}")));
        sb.AppendLine($"one simulated CPU: {SimScheduler.OneWorker}, real-time waits {Interlocked.Read(ref SimScheduler.RealTimeWaits)}, pool starvation rescues {Interlocked.Read(ref SimScheduler.StarvationRescues)}");
        sb.AppendLine($"garbage collections gen0/1/2 {GC.CollectionCount(0) - _gcStart[0]}/{GC.CollectionCount(1) - _gcStart[1]}/{GC.CollectionCount(2) - _gcStart[2]}, "
                      + $"unobserved task exceptions {UnobservedTaskExceptions} ({UnhandledLog.Kinds()}), "
                      + $"virtual clock ticks {Interlocked.Read(ref SimNode.ClockTicks) - _ticksStart}");
        sb.AppendLine($"wall {Minutes * 60:0.0}s, cycles/min {Cycles / Minutes:0}, crash-recovery cycles/min {CrashStates / Minutes:0}");
        sb.AppendLine("time by phase: " + string.Join(", ", Enum.GetValues<SimPhase>().Where(p => _phaseTicks[(int)p] > 0)
            .Select(p => $"{p} {_phaseTicks[(int)p] / (double)System.Diagnostics.Stopwatch.Frequency:0.0}s")));
        sb.AppendLine($"coverage ({Coverage.Count} distinct crash windows):");
        foreach (var (k, v) in Coverage) sb.AppendLine($"  {v,6}  {k}");
        return sb.ToString();
    }

    /// <summary>Writes the summary and every crashed sequence to <c>sim-reports/&lt;name&gt;.txt</c> under the test output dir.</summary>
    public string WriteFile(string name, string title)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "sim-reports");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".txt");
        File.WriteAllText(path, Summary(title) + "\ncrashed sequences:\n" + string.Join("\n", CrashedSequences) + "\n");
        return path;
    }
}
