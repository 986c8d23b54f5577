using System.CommandLine;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl audit verify --disk &lt;image&gt; [--head &lt;file&gt; --public-key &lt;hex&gt;]</c>: checks CRCs, the hash chain,
/// gaps, decodability and the fold; with a signed head, also that the history up to it was not rewritten.
/// Exits 1 on any problem.
/// </summary>
public static class AuditVerifyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io)
    {
        var disk = new Option<string>("--disk") { Description = "Captured disk image", Required = true };
        var head = new Option<string?>("--head") { Description = "File with the node's signed head (hex of the 136-byte encoding)" };
        var key = new Option<string?>("--public-key") { Description = "The node's registered Ed25519 public key (64 hex characters)" };
        var store = new Option<string?>("--store") { Description = "Fleet store connection string: also check node-versus-fleet divergence" };
        var schema = new Option<string?>("--schema") { Description = "Fleet store schema (with --store)" };
        var cmd = new Command("verify", "Verify a node's history; exits non-zero on any problem") { disk, head, key, store, schema };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            if (r.GetValue(head) is null != r.GetValue(key) is null || r.GetValue(store) is null != r.GetValue(schema) is null)
            {
                io.Err.WriteLine("error: --head and --public-key go together, and so do --store and --schema");
                return 1;
            }
            using var d = ImageFile.Open(r.GetValue(disk)!);
            var a = DiskAudit.Run(d);
            var problems = a.Problems.ToList();
            if (r.GetValue(head) is { } headFile)
            {
                var signed = SignedHead.Decode(Convert.FromHexString(File.ReadAllText(headFile).Trim()));
                problems.AddRange(HeadSigner.CheckAgainstHead(a, signed, Convert.FromHexString(r.GetValue(key)!.Trim())));
            }
            string? fleetLine = null;
            if (r.GetValue(store) is { } cs)
            {
                var fleet = FleetStoreReader.Read(cs, r.GetValue(schema)!, a.NodeId.ToString());
                problems.AddRange(ExternalReplay.Run(fleet).Problems.Select(p => p with { Detail = "fleet store: " + p.Detail }));
                problems.AddRange(Divergence.Compare(a, fleet));
                fleetLine = $"FLEET {fleet.Count} records in the store";
            }
            io.Out.WriteLine($"NODE {a.NodeId}");
            if (fleetLine is not null) io.Out.WriteLine(fleetLine);
            io.Out.WriteLine($"CHAIN {a.Records.Count} records, head {a.LastSequence} {a.LastHash}; {a.Recovery.Detail}");
            io.Out.WriteLine($"STATE HASH {a.FinalState.Hash}");
            OfflineReport.WriteProblems(io.Out, problems);
            var ok = problems.All(p => p.Severity != AuditSeverity.Error);
            io.Out.WriteLine(ok ? "OK" : "FAILED");
            return ok ? 0 : 1;
        }));
        return cmd;
    }
}
