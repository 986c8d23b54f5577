using System.CommandLine;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl audit replay|verify|export</c>: history of a node from a captured disk (offline, issue #10).</summary>
public static class AuditCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("audit", "Replay, verify and export a node's recorded history");
        cmd.Subcommands.Add(AuditReplayCommand.Build(g, io));
        cmd.Subcommands.Add(AuditVerifyCommand.Build(io));
        cmd.Subcommands.Add(AuditExportCommand.Build(io));
        cmd.Subcommands.Add(AuditDiffCommand.Build(g, io));
        cmd.Subcommands.Add(AuditFleetCommand.Build(io));
        cmd.Subcommands.Add(AuditReportCommand.Build(io));
        return cmd;
    }
}
