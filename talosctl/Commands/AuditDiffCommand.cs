using System.CommandLine;
using Talos.Ctl.Client;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl audit diff --a &lt;source&gt; --b &lt;source&gt;</c> (issue #10): two sources of one node, or two nodes.
/// A source is <c>disk:&lt;image&gt;</c>, <c>fleet</c> (--node), <c>fleet:&lt;node id&gt;</c>, <c>node</c> (the first
/// of -n) or <c>node:&lt;name&gt;</c> (that one of -n). Prints both heads and state hashes, then <c>SAME</c> or the first
/// divergent sequence and what differs there; exits 1 when they differ, as diff(1) does.
/// </summary>
public static class AuditDiffCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var a = new Option<string>("--a") { Description = "First source: disk:<image>, fleet, fleet:<node id>, node or node:<name>", Required = true };
        var b = new Option<string>("--b") { Description = "Second source (same forms)", Required = true };
        var store = new Option<string?>("--store") { Description = "Fleet store connection string (fleet sources)" };
        var schema = new Option<string?>("--schema") { Description = "Fleet store schema (fleet sources)" };
        var node = new Option<string?>("--node") { Description = "Node id for a plain 'fleet' source" };
        var cmd = new Command("diff", "Show where two histories (two sources or two nodes) first differ") { a, b, store, schema, node };
        cmd.SetAction((r, ct) =>
        {
            var sa = r.GetValue(a)!;
            var sb = r.GetValue(b)!;
            Func<string, IReadOnlyList<IMachineClient>, Task<AuditHistory>> load = async (s, clients) =>
            {
                if (s == "node" || s.StartsWith("node:", StringComparison.Ordinal))
                {
                    var c = s == "node" ? clients[0] : clients.FirstOrDefault(x => x.Node == s[5..])
                        ?? throw new UsageException($"{s}: {s[5..]} is not one of the target nodes (-n {string.Join(",", clients.Select(x => x.Node))})");
                    return (await AuditSources.ReadNodeAsync(c, ct)).History;
                }
                var (from, id) = s.StartsWith("fleet:", StringComparison.Ordinal) ? ("fleet", s[6..]) : (s, r.GetValue(node));
                return AuditSources.LoadOffline(from, r.GetValue(store), r.GetValue(schema), id);
            };
            if (NeedsApi(sa) || NeedsApi(sb))
                return NodeOptions.RunAsync(r, g, false, async clients => Report(io, await load(sa, clients), await load(sb, clients)));
            return Task.FromResult(OfflineReport.Guard(io.Err, () => Report(io, load(sa, []).GetAwaiter().GetResult(), load(sb, []).GetAwaiter().GetResult())));
        });
        return cmd;
    }

    private static bool NeedsApi(string source) => source == "node" || source.StartsWith("node:", StringComparison.Ordinal);

    private static int Report(CliContext io, AuditHistory a, AuditHistory b)
    {
        foreach (var (label, h) in new[] { ("A", a), ("B", b) })
            io.Out.WriteLine($"{label} {h.Source} node {h.NodeId} head {h.LastSequence} {h.LastHash} state {h.FinalState.Hash}");
        var d = HistoryDiff.Compare(a, b);
        io.Out.WriteLine($"SHARED {d.Shared} records");
        if (d.Same)
        {
            io.Out.WriteLine("SAME");
            return 0;
        }
        io.Out.WriteLine(d.FirstDivergent > 0 ? $"DIVERGED at {d.FirstDivergent}" : "DIVERGED");
        foreach (var line in d.Differences) io.Out.WriteLine("  " + line);
        return 1;
    }
}
