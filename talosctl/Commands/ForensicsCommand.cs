using System.CommandLine;
using Talos.Api.Audit;
using Talos.Ctl.Client;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;
using Talos.Upgrade.Forensics;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl forensics verify --disk &lt;image&gt; [--known-good &lt;file&gt;]</c> (offline, a captured disk) or
/// <c>talosctl forensics verify -n &lt;nodes&gt; [--known-good &lt;file&gt;]</c> (online: the node re-hashes its slots and
/// boot-loader area and logs each mismatch as a ForensicDigestMismatch event). Both compare with the digests the log
/// recorded and with the known-good list, print one line per area, and exit 1 on any mismatch.
/// </summary>
public static class ForensicsCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var disk = new Option<string?>("--disk") { Description = "Captured disk image (offline); without it the target nodes (-n) verify themselves" };
        var known = new Option<string?>("--known-good") { Description = "File of '<digest> <version>' lines" };
        var nodeKey = new Option<string?>("--node-key") { Description = "With --disk: the node's Ed25519 public key to trust (a file, or 64 hex / base64 characters), which authenticates the recorded digests" };
        var verify = new Command("verify", "Compare slot contents with the recorded digests") { disk, known, nodeKey };
        verify.SetAction((r, ct) =>
        {
            KnownGoodList? kg = null;
            TrustedKey? trusted = null;
            var bad = OfflineReport.Guard(io.Err, () =>
            {
                kg = r.GetValue(known) is { } f ? KnownGoodList.Parse(File.ReadAllText(f), f) : null;
                trusted = r.GetValue(nodeKey) is { } nk ? new TrustedKey(HistoryTrust.ParseNodeKey(nk), "pinned by --node-key") : null;
                return 0;
            });
            if (bad != 0) return Task.FromResult(bad);
            if (r.GetValue(disk) is { } image) return Task.FromResult(OfflineReport.Guard(io.Err, () => Offline(io, image, kg, trusted)));
            return NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, c => Online(io, clients, c, kg, ct)));
        });
        var cmd = new Command("forensics", "Forensic checks of boot slots and the boot loader area");
        cmd.Subcommands.Add(verify);
        return cmd;
    }

    // The recorded digests are only as good as the log that records them: it is authenticated first (issue #22).
    private static int Offline(CliContext io, string image, KnownGoodList? kg, TrustedKey? trusted)
    {
        using var d = ImageFile.Open(image);
        var a = DiskAudit.Run(d);
        var problems = a.Problems.ToList();
        HistoryTrust.Check(d, a, trusted, null, problems);
        var report = DiskForensics.Verify(d, a.FinalState, kg);
        io.Out.WriteLine($"NODE {a.NodeId} (log head {a.LastSequence}{(kg is null ? "" : $", known-good list of {kg.Count}")})");
        io.Out.WriteLine(HistoryTrust.Line(trusted));
        foreach (var finding in report.Findings) io.Out.WriteLine(finding.ToString());
        var errors = problems.Where(p => p.Severity == AuditSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            io.Out.WriteLine("the log itself has problems, so the recorded digests cannot be trusted:");
            foreach (var p in errors) io.Out.WriteLine("  " + p);
        }
        var verdict = report.HasMismatch ? "MISMATCH" : HistoryTrust.Verdict(problems, "MISMATCH");
        io.Out.WriteLine(verdict);
        return verdict == "OK" ? 0 : 1;
    }

    private static async Task<int> Online(CliContext io, IReadOnlyList<IMachineClient> clients, IMachineClient c, KnownGoodList? kg, CancellationToken ct)
    {
        var request = new ForensicsVerifyRequest();
        if (kg is not null) request.KnownGood.AddRange(kg.Entries.Select(e => new KnownGoodImage { Digest = e.Digest, Version = e.Version }));
        var resp = await c.Machine.ForensicsVerifyAsync(request, c.Call(ct));
        void Line(string text) => io.Out.WriteLine(FanOut.Prefix(clients, c, text));
        Line($"NODE {resp.NodeId} (log head {resp.HeadSequence}{(kg is null ? "" : $", known-good list of {kg.Count}")})");
        foreach (var f in resp.Findings)
        {
            var finding = new Upgrade.Forensics.ForensicFinding(f.Area, f.Slot, (ForensicStatus)(int)f.Status, f.Recorded, f.Measured, f.Detail);
            Line(finding.ToString());
        }
        foreach (var f in resp.Findings.Where(f => f.EventSequence > 0))
            Line($"RECORDED ForensicDigestMismatch for {f.Area} at sequence {f.EventSequence}");
        var ok = resp.Findings.All(f => f.Status != Api.Audit.ForensicFinding.Types.Status.Mismatch);
        Line(ok ? "OK" : "MISMATCH");
        return ok ? 0 : 1;
    }
}
