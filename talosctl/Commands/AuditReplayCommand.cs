using System.CommandLine;
using Talos.Ctl.Client;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl audit replay --from disk:&lt;image&gt;|fleet|node</c>: prints the timeline, the final state and its hash
/// (issue #10). The three sources print the same timeline, state hash and head for the same history.
/// </summary>
public static class AuditReplayCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var from = new Option<string>("--from") { Description = "Source of the history: disk:<image>, fleet (with --store, --schema, --node) or node (the nodes' API, -n)", Required = true };
        var store = new Option<string?>("--store") { Description = "Fleet store connection string (--from fleet)" };
        var schema = new Option<string?>("--schema") { Description = "Fleet store schema (--from fleet)" };
        var node = new Option<string?>("--node") { Description = "Node id, the stream key (--from fleet)" };
        var cmd = new Command("replay", "Replay a node's history and print its timeline and final state") { from, store, schema, node };
        cmd.SetAction((r, ct) =>
        {
            if (r.GetValue(from) == "node")
                return NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
                {
                    var log = await AuditSources.ReadNodeAsync(c, ct);
                    Write(io, log.History, $"API {Range(log.History)}", log.Head, log.Problems);
                    return 0;
                }));
            return Task.FromResult(OfflineReport.Guard(io.Err, () =>
            {
                if (OfflineReport.DiskPath(r.GetValue(from)!) is { } path)
                {
                    using var disk = ImageFile.Open(path);
                    var a = DiskAudit.Run(disk);
                    var d = AuditHistory.FromDisk(r.GetValue(from)!, a);
                    Write(io, d, $"LOG {a.Recovery.Outcome}: {a.Recovery.Detail}; records {Range(d)}", null, d.Problems);
                    return 0;
                }
                var h = AuditSources.LoadOffline(r.GetValue(from)!, r.GetValue(store), r.GetValue(schema), r.GetValue(node));
                Write(io, h, $"STORE {h.Records.Count} records, versions {Range(h)}", null, h.Problems);
                return 0;
            }));
        });
        return cmd;
    }

    private static string Range(AuditHistory h) =>
        (h.Records.Count > 0 ? $"{h.Records[0].Sequence}..{h.LastSequence}" : "none")
        + (h.StartedFromSequence > 0 ? $", folded from the checkpoint at {h.StartedFromSequence}" : "");

    private static void Write(CliContext io, AuditHistory h, string sourceLine, SignedHead? head, IReadOnlyList<AuditProblem> problems)
    {
        io.Out.WriteLine($"NODE {h.NodeId}");
        io.Out.WriteLine(sourceLine);
        OfflineReport.WriteTimeline(io.Out, h.Timeline);
        OfflineReport.WriteState(io.Out, h.FinalState);
        io.Out.WriteLine($"HEAD {h.LastSequence} {h.LastHash}");
        if (head is not null) io.Out.WriteLine($"SIGNED HEAD {head.Sequence} {head.HashHex}");
        OfflineReport.WriteProblems(io.Out, problems);
    }
}
