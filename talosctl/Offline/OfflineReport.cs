using Talos.Api.Events;
using Talos.Core.State;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Offline;

/// <summary>Text rendering of offline audit results (shared by the audit and forensics verbs).</summary>
internal static class OfflineReport
{
    /// <summary>Parses <c>disk:&lt;path&gt;</c>; null for anything else.</summary>
    public static string? DiskPath(string from) => from.StartsWith("disk:", StringComparison.Ordinal) && from.Length > 5 ? from[5..] : null;

    /// <summary>Runs <paramref name="body"/>, turning bad input (missing file, no META, unreadable log) into one error line and exit 1.</summary>
    public static int Guard(TextWriter err, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is Core.Errors.TalosException or Npgsql.NpgsqlException or System.Text.Json.JsonException or ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
        {
            err.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    public static void WriteTimeline(TextWriter o, IReadOnlyList<TimelineEntry> timeline)
    {
        o.WriteLine("TIMELINE");
        foreach (var t in timeline) o.WriteLine(t.ToString());
    }

    public static void WriteState(TextWriter o, NodeState s)
    {
        o.WriteLine("FINAL STATE");
        o.WriteLine($"  last sequence:  {s.LastSequence}");
        o.WriteLine($"  booted:         {(s.BootedSlot == Slot.Unspecified ? "- (maintenance)" : $"slot {s.BootedSlot} {s.BootedVersion} {s.BootedDigest}")}");
        o.WriteLine($"  slot A:         {SlotLine(s.SlotA)}");
        o.WriteLine($"  slot B:         {SlotLine(s.SlotB)}");
        o.WriteLine($"  running:        {(s.Running is { } r ? $"{r.Name} ({r.SequenceId}) phase {r.Phase}" : "-")}");
        o.WriteLine($"  config:         {(s.ConfigDigest.Length > 0 ? s.ConfigDigest : "-")}");
        var c = s.Counters;
        o.WriteLine($"  counters:       boots {c.Boots}, upgrades {c.Upgrades}, rollbacks {c.Rollbacks}, resets {c.Resets}, config applies {c.ConfigApplies}, log repairs {c.LogRepairs}, forensic mismatches {c.ForensicMismatches}");
        if (s.LastError.Length > 0) o.WriteLine($"  last error:     {s.LastError}");
        o.WriteLine($"STATE HASH {s.Hash}");
    }

    private static string SlotLine(Core.State.SlotState s) => !s.HasImage ? "empty"
        : $"{s.Version} {s.Digest} priority {s.Priority}{(s.Successful ? " confirmed" : s.IsTrial ? $" trial ({s.TriesLeft} tries left)" : " unbootable")}";

    public static void WriteProblems(TextWriter o, IReadOnlyList<AuditProblem> problems)
    {
        o.WriteLine(problems.Count == 0 ? "PROBLEMS none" : $"PROBLEMS {problems.Count}");
        foreach (var p in problems) o.WriteLine("  " + p);
    }
}
