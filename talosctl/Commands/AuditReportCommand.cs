using System.CommandLine;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl audit report --out report.html [--from disk:&lt;image&gt;]... [--store &lt;cs&gt; --schema &lt;s&gt; [--node id]...]</c>
/// (issue #10): one self-contained HTML page with a timeline of slot A/B over time per node (open it in a browser).
/// Without --node, every node the fleet store holds is included.
/// </summary>
public static class AuditReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io)
    {
        var output = new Option<string>("--out") { Description = "HTML file to write", Required = true };
        var from = new Option<string[]>("--from") { Description = "Captured disks: disk:<image> (repeatable)", AllowMultipleArgumentsPerToken = true };
        var store = new Option<string?>("--store") { Description = "Fleet store connection string: include its nodes" };
        var schema = new Option<string?>("--schema") { Description = "Fleet store schema (with --store)" };
        var nodes = new Option<string[]>("--node") { Description = "Only these node ids from the store (repeatable)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("report", "Write an HTML page with each node's slot A/B timeline") { output, from, store, schema, nodes };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            if (r.GetValue(store) is null != r.GetValue(schema) is null) throw new ArgumentException("--store and --schema go together");
            var histories = new List<AuditHistory>();
            foreach (var f in r.GetValue(from) ?? [])
            {
                if (OfflineReport.DiskPath(f) is null) throw new ArgumentException($"--from {f}: the report reads captured disks (disk:<image>); use --store/--schema for the fleet");
                histories.Add(AuditSources.LoadOffline(f, null, null, null));
            }
            if (r.GetValue(store) is { } cs)
            {
                var ids = r.GetValue(nodes) is { Length: > 0 } chosen ? chosen : FleetStoreReader.StreamIds(cs, r.GetValue(schema)!);
                histories.AddRange(ids.Select(id => AuditSources.LoadOffline("fleet", cs, r.GetValue(schema), id)));
            }
            if (histories.Count == 0) throw new ArgumentException("nothing to report: give --from disk:<image> and/or --store/--schema");
            File.WriteAllText(r.GetValue(output)!, AuditReportHtml.Render(histories, "Talos audit report"));
            foreach (var h in histories)
                io.Out.WriteLine($"{h.NodeId} {h.Source}: {SlotTimeline.Build(h).Spans.Count} slot span(s), head {h.LastSequence}, {h.Problems.Count(p => p.Severity == AuditSeverity.Error)} error(s)");
            io.Out.WriteLine($"wrote {r.GetValue(output)}");
            return 0;
        }));
        return cmd;
    }
}
