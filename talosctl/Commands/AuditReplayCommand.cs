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
        var from = new Option<string>("--from") { Description = "Source of the history: disk:<image>, or fleet (with --store, --schema, --node)", Required = true };
        var store = new Option<string?>("--store") { Description = "Fleet store connection string (--from fleet)" };
        var schema = new Option<string?>("--schema") { Description = "Fleet store schema (--from fleet)" };
        var node = new Option<string?>("--node") { Description = "Node id, the stream key (--from fleet)" };
        var cmd = new Command("replay", "Replay a node's history and print its timeline and final state") { from, store, schema, node };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            if (r.GetValue(from) == "fleet") return ReplayFleet(io, r.GetValue(store), r.GetValue(schema), r.GetValue(node));
            var path = OfflineReport.DiskPath(r.GetValue(from)!);
            if (path is null)
            {
                io.Err.WriteLine($"error: --from {r.GetValue(from)} is not supported here; use --from disk:<image> or --from fleet (the node source needs the node API)");
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

    private static int ReplayFleet(CliContext io, string? store, string? schema, string? node)
    {
        if (store is null || schema is null || node is null)
        {
            io.Err.WriteLine("error: --from fleet needs --store <connection string>, --schema <schema> and --node <id>");
            return 1;
        }
        IReadOnlyList<ExternalRecord> records;
        try
        {
            records = FleetStoreReader.Read(store, schema, node);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or ArgumentException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            io.Err.WriteLine($"error: cannot read node {node} from the fleet store: {e.Message}");
            return 1;
        }
        if (records.Count == 0)
        {
            io.Err.WriteLine($"error: the fleet store has no history for node {node} in schema {schema}");
            return 1;
        }
        var a = ExternalReplay.Run(records);
        io.Out.WriteLine($"NODE {node}");
        io.Out.WriteLine($"STORE {records.Count} records, versions {records[0].Sequence}..{records[^1].Sequence}");
        OfflineReport.WriteTimeline(io.Out, a.Timeline);
        OfflineReport.WriteState(io.Out, a.FinalState);
        io.Out.WriteLine($"HEAD {a.LastSequence} {a.LastHash}");
        OfflineReport.WriteProblems(io.Out, a.Problems);
        return 0;
    }
}
