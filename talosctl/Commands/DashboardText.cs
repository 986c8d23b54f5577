using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>The dashboard's plain snapshot (no terminal, or <c>--once</c>): stable text, one block per node.</summary>
public static class DashboardText
{
    /// <summary>All nodes, each block followed by an empty line.</summary>
    public static string Plain(IReadOnlyList<NodeSnapshot> snapshots)
    {
        var w = new StringWriter { NewLine = "\n" };
        foreach (var s in snapshots)
        {
            w.WriteLine($"NODE {s.Node}");
            if (s.Error is not null)
            {
                w.WriteLine($"  error: {s.Error}");
                w.WriteLine();
                continue;
            }
            w.WriteLine($"  STAGE     {Stage(s)}");
            w.WriteLine($"  VERSION   {(s.Version.Length > 0 ? s.Version : "unknown")}");
            foreach (var slot in s.Slots) w.WriteLine($"  SLOT {slot.Slot}    {Slot(slot)}");
            w.WriteLine("  SERVICES");
            Indented(w, ["SERVICE", "STATE", "HEALTH", "MESSAGE"], s.Services.Select(v => new[] { v.Id, v.State, v.Health, v.Message }).ToList());
            w.WriteLine("  EVENTS");
            Indented(w, ["ID", "EVENT", "MESSAGE"], s.Events.Select(e => new[] { e.Id, e.Kind, e.Message }).ToList());
            w.WriteLine();
        }
        return w.ToString();
    }

    /// <summary>"running, ready" or "running, not ready (services: kubelet ...)".</summary>
    public static string Stage(NodeSnapshot s) =>
        s.Ready ? $"{s.Stage}, ready" : $"{s.Stage}, not ready" + (s.Unmet.Count > 0 ? $" ({string.Join("; ", s.Unmet)})" : "");

    /// <summary>"v1.2.0, booted, confirmed", "v1.2.1, trial (3 tries left)", "empty".</summary>
    public static string Slot(SlotView s)
    {
        if (s.Version.Length == 0) return "empty";
        var parts = new List<string> { s.Version };
        if (s.Booted) parts.Add("booted");
        parts.Add(s.Confirmed ? "confirmed" : s.TriesRemaining > 0 ? $"trial ({s.TriesRemaining} tries left)" : "not confirmed");
        return string.Join(", ", parts);
    }

    private static void Indented(StringWriter w, string[] header, List<string[]> rows)
    {
        var table = new StringWriter { NewLine = "\n" };
        Table.Write(table, header, rows);
        foreach (var line in table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) w.WriteLine("    " + line);
    }
}
