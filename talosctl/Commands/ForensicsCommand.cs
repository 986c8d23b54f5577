using System.CommandLine;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;
using Talos.Upgrade.Forensics;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl forensics verify --disk &lt;image&gt; [--known-good &lt;file&gt;]</c>: re-hashes both BOOT slots and the EFI
/// area of a captured disk and compares them with the digests its log recorded and with a known-good list.
/// Exits 1 on any mismatch (or when the log itself is damaged, since the recorded digests are then unreliable).
/// </summary>
public static class ForensicsCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        _ = g;
        var disk = new Option<string>("--disk") { Description = "Captured disk image", Required = true };
        var known = new Option<string?>("--known-good") { Description = "File of '<digest> <version>' lines" };
        var verify = new Command("verify", "Compare slot contents with the recorded digests") { disk, known };
        verify.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            var kg = r.GetValue(known) is { } f ? KnownGoodList.Parse(File.ReadAllText(f), f) : null;
            using var d = ImageFile.Open(r.GetValue(disk)!);
            var a = DiskAudit.Run(d);
            var report = DiskForensics.Verify(d, a.FinalState, kg);
            io.Out.WriteLine($"NODE {a.NodeId} (log head {a.LastSequence}{(kg is null ? "" : $", known-good list of {kg.Count}")})");
            foreach (var finding in report.Findings) io.Out.WriteLine(finding.ToString());
            if (!a.IsClean)
            {
                io.Out.WriteLine("the log itself has problems, so the recorded digests cannot be trusted:");
                foreach (var p in a.Problems.Where(p => p.Severity == AuditSeverity.Error)) io.Out.WriteLine("  " + p);
            }
            var ok = !report.HasMismatch && a.IsClean;
            io.Out.WriteLine(ok ? "OK" : "MISMATCH");
            return ok ? 0 : 1;
        }));
        var cmd = new Command("forensics", "Forensic checks of boot slots and the boot loader area");
        cmd.Subcommands.Add(verify);
        return cmd;
    }
}
