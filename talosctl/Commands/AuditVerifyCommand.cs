using System.CommandLine;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;
using Talos.Partitions.Devices;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl audit verify --disk &lt;image&gt; [--node-key &lt;file|base64&gt;] [--head &lt;file&gt; --public-key &lt;hex&gt;] [--store --schema]</c>:
/// checks CRCs, the hash chain, gaps, decodability and the fold; then authenticates the history against a key the
/// disk cannot supply (issue #22: pinned with --node-key or --public-key, or registered in the fleet store), printing
/// which key it trusted. Without such a key it prints NOT AUTHENTICATED, never OK. Exits 1 unless OK.
/// </summary>
public static class AuditVerifyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io)
    {
        var disk = new Option<string>("--disk") { Description = "Captured disk image", Required = true };
        var nodeKey = new Option<string?>("--node-key") { Description = "The node's Ed25519 public key to trust (a file, or 64 hex / base64 characters): the key the fleet registered" };
        var head = new Option<string?>("--head") { Description = "File with the node's signed head (hex of the 136-byte encoding)" };
        var key = new Option<string?>("--public-key") { Description = "The node's registered Ed25519 public key (64 hex characters), with --head" };
        var store = new Option<string?>("--store") { Description = "Fleet store connection string: also check node-versus-fleet divergence" };
        var schema = new Option<string?>("--schema") { Description = "Fleet store schema (with --store)" };
        var cmd = new Command("verify", "Verify and authenticate a node's history; exits non-zero unless OK") { disk, nodeKey, head, key, store, schema };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            if (r.GetValue(head) is null != r.GetValue(key) is null || r.GetValue(store) is null != r.GetValue(schema) is null)
            {
                io.Err.WriteLine("error: --head and --public-key go together, and so do --store and --schema");
                return 1;
            }
            var pinned = r.GetValue(nodeKey) is { } nk ? new TrustedKey(HistoryTrust.ParseNodeKey(nk), "pinned by --node-key") : null;
            SignedHead? headFile = null;
            if (r.GetValue(head) is { } hf)
            {
                headFile = SignedHead.Decode(Convert.FromHexString(File.ReadAllText(hf).Trim()));
                pinned ??= new TrustedKey(Convert.FromHexString(r.GetValue(key)!.Trim()), "pinned by --public-key");
            }
            using var d = ImageFile.Open(r.GetValue(disk)!);
            var a = DiskAudit.Run(d);
            var problems = a.Problems.ToList();
            string? fleetLine = null;
            TrustedKey? trusted = pinned;
            if (r.GetValue(store) is { } cs)
            {
                var fleet = FleetStoreReader.Read(cs, r.GetValue(schema)!, a.NodeId.ToString());
                var (start, notice) = FleetStoreReader.ReadStart(cs, r.GetValue(schema)!, a.NodeId.ToString());
                if (notice is not null) problems.Add(notice with { Detail = "fleet store: " + notice.Detail });
                problems.AddRange(ExternalReplay.Run(fleet, start).Problems.Select(p => p with { Detail = "fleet store: " + p.Detail }));
                problems.AddRange(Divergence.Compare(a, fleet));
                fleetLine = $"FLEET {fleet.Count} records in the store";
                var registered = FleetStoreReader.ReadHead(cs, r.GetValue(schema)!, a.NodeId.ToString());
                CheckFleetKey(registered, a, pinned, problems);
                if (registered is { } reg) trusted ??= new TrustedKey(reg.Key, "registered in the fleet store");
            }
            var signed = HistoryTrust.Check(d, a, trusted, headFile, problems);
            io.Out.WriteLine($"NODE {a.NodeId}");
            if (fleetLine is not null) io.Out.WriteLine(fleetLine);
            io.Out.WriteLine($"CHAIN {a.Records.Count} records, head {a.LastSequence} {a.LastHash}; {a.Recovery.Detail}");
            io.Out.WriteLine($"STATE HASH {a.FinalState.Hash}");
            io.Out.WriteLine(HistoryTrust.Line(trusted));
            io.Out.WriteLine(signed.Head is null ? "SIGNED HEAD none" : $"SIGNED HEAD {signed.Head.Sequence} {signed.Head.HashHex} ({signed.From})");
            OfflineReport.WriteProblems(io.Out, problems);
            var verdict = HistoryTrust.Verdict(problems, "FAILED");
            io.Out.WriteLine(verdict);
            return verdict == "OK" ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>
    /// The fleet's registered key must be the pinned one (when a key is pinned), and the fleet's latest head must hold
    /// for the disk too: the store has the heads, so a deleted or rewritten node-head on the disk does not hide a rewrite.
    /// </summary>
    private static void CheckFleetKey((byte[] Key, SignedHead? Head)? registered, AuditResult a, TrustedKey? pinned, List<AuditProblem> problems)
    {
        if (registered is not { } reg)
        {
            problems.Add(new(AuditSeverity.Warning, "unregistered", 0, $"the fleet store has no key registered for node {a.NodeId}"));
            return;
        }
        if (pinned is not null && !reg.Key.AsSpan().SequenceEqual(pinned.Key))
            problems.Add(new(AuditSeverity.Error, "key", 0, $"the fleet store registered key {Convert.ToHexStringLower(reg.Key)} for node {a.NodeId}, not the trusted key {pinned.Hex} ({pinned.Source})"));
        if (reg.Head is not null)
            problems.AddRange(HeadSigner.CheckAgainstHead(a, reg.Head, reg.Key).Select(p => p with { Detail = "fleet head: " + p.Detail }));
    }
}
