using System.CommandLine;
using Talos.Core.Events;
using Talos.Ctl.Offline;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl audit export --disk &lt;image&gt;</c>: one canonical JSON event per line (specs/events.md, JSON form).</summary>
public static class AuditExportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io)
    {
        var disk = new Option<string>("--disk") { Description = "Captured disk image", Required = true };
        var cmd = new Command("export", "Export the recorded events as JSON lines") { disk };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            using var d = ImageFile.Open(r.GetValue(disk)!);
            var a = DiskAudit.Run(d);
            foreach (var rec in a.Records.Where(x => x.Event is not null))
                io.Out.WriteLine(EventCodec.ToCanonicalJson(rec.Event!));
            foreach (var p in a.Problems.Where(p => p.Severity == AuditSeverity.Error))
                io.Err.WriteLine("error: " + p);
            return a.IsClean ? 0 : 1;
        }));
        return cmd;
    }
}
