using System.CommandLine;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;

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
            var signed = CheckSignatures(d, a, r.GetValue(head), r.GetValue(key), problems);
            string? fleetLine = null;
            if (r.GetValue(store) is { } cs)
            {
                var fleet = FleetStoreReader.Read(cs, r.GetValue(schema)!, a.NodeId.ToString());
                var (start, notice) = FleetStoreReader.ReadStart(cs, r.GetValue(schema)!, a.NodeId.ToString());
                if (notice is not null) problems.Add(notice with { Detail = "fleet store: " + notice.Detail });
                problems.AddRange(ExternalReplay.Run(fleet, start).Problems.Select(p => p with { Detail = "fleet store: " + p.Detail }));
                problems.AddRange(Divergence.Compare(a, fleet));
                fleetLine = $"FLEET {fleet.Count} records in the store";
                CheckFleetKey(FleetStoreReader.ReadHead(cs, r.GetValue(schema)!, a.NodeId.ToString()), a, signed.Key, problems);
            }
            io.Out.WriteLine($"NODE {a.NodeId}");
            if (fleetLine is not null) io.Out.WriteLine(fleetLine);
            io.Out.WriteLine($"CHAIN {a.Records.Count} records, head {a.LastSequence} {a.LastHash}; {a.Recovery.Detail}");
            io.Out.WriteLine($"STATE HASH {a.FinalState.Hash}");
            io.Out.WriteLine(signed.Head is null ? "SIGNED HEAD none" : $"SIGNED HEAD {signed.Head.Sequence} {signed.Head.HashHex} ({signed.From})");
            OfflineReport.WriteProblems(io.Out, problems);
            var ok = problems.All(p => p.Severity != AuditSeverity.Error);
            io.Out.WriteLine(ok ? "OK" : "FAILED");
            return ok ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>
    /// The node's own signature: the head and key from the files given, else from the image's STATE (issue #10:
    /// the node keeps its key and latest signed head there). A META rewritten without the key fails here.
    /// </summary>
    private static (byte[]? Key, SignedHead? Head, string From) CheckSignatures(IBlockDevice disk, AuditResult a, string? headFile, string? keyHex, List<AuditProblem> problems)
    {
        byte[]? key;
        SignedHead? head;
        var from = "STATE";
        try { (key, head) = NodeKey.ReadFromDisk(disk); }
        catch (FormatException e)
        {
            problems.Add(new(AuditSeverity.Error, "signature", 0, $"the node key or head on STATE does not decode: {e.Message}"));
            (key, head) = (null, null);
        }
        if (headFile is not null)
        {
            head = SignedHead.Decode(Convert.FromHexString(File.ReadAllText(headFile).Trim()));
            key = Convert.FromHexString(keyHex!.Trim());
            from = "file";
        }
        if (head is not null && key is not null) problems.AddRange(HeadSigner.CheckAgainstHead(a, head, key));
        return (key, head, from);
    }

    /// <summary>The fleet's registered key must be the node's, and the fleet's latest head must hold for the disk too.</summary>
    private static void CheckFleetKey((byte[] Key, SignedHead? Head)? registered, AuditResult a, byte[]? nodeKey, List<AuditProblem> problems)
    {
        if (registered is not { } reg)
        {
            problems.Add(new(AuditSeverity.Warning, "unregistered", 0, $"the fleet store has no key registered for node {a.NodeId}"));
            return;
        }
        if (nodeKey is not null && !reg.Key.AsSpan().SequenceEqual(nodeKey))
            problems.Add(new(AuditSeverity.Error, "key", 0, $"the disk's node key {Convert.ToHexStringLower(nodeKey)} is not the key the fleet registered ({Convert.ToHexStringLower(reg.Key)}): STATE was replaced or the node re-keyed"));
        if (reg.Head is not null)
            problems.AddRange(HeadSigner.CheckAgainstHead(a, reg.Head, reg.Key).Select(p => p with { Detail = "fleet head: " + p.Detail }));
    }
}
