using System.CommandLine;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl audit replay --from disk:&lt;image&gt;</c>: prints the timeline, the final state and its hash.</summary>
public static class AuditReplayCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io)
    {
        var from = new Option<string>("--from") { Description = "Source of the history: disk:<image> (node and fleet need the API/store)", Required = true };
        var cmd = new Command("replay", "Replay a node's history and print its timeline and final state") { from };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            var path = OfflineReport.DiskPath(r.GetValue(from)!);
            if (path is null)
            {
                io.Err.WriteLine($"error: --from {r.GetValue(from)} is not supported offline; use --from disk:<image> (node and fleet sources need the node API or the fleet store)");
                return 1;
            }
            using var disk = ImageFile.Open(path);
            var a = DiskAudit.Run(disk);
            io.Out.WriteLine($"NODE {a.NodeId}");
            io.Out.WriteLine($"LOG {a.Recovery.Outcome}: {a.Recovery.Detail}; records {(a.Records.Count > 0 ? $"{a.Records[0].Sequence}..{a.LastSequence}" : "none")}{(a.StartedFromSequence > 0 ? $", folded from the checkpoint at {a.StartedFromSequence}" : "")}");
            OfflineReport.WriteTimeline(io.Out, a.Timeline);
            OfflineReport.WriteState(io.Out, a.FinalState);
            io.Out.WriteLine($"HEAD {a.LastSequence} {a.LastHash}");
            OfflineReport.WriteProblems(io.Out, a.Problems);
            return 0;
        }));
        return cmd;
    }
}
