using System.CommandLine;
using System.Globalization;
using Talos.Ctl.Offline;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl audit fleet --store &lt;cs&gt; --schema &lt;s&gt; [--image-digest D] [--version V] [--rolled-back-since T]
/// [--lagging [--stale-after 5m]]</c> (issue #10): the fleet questions over the NodeSummary read model, one row per node.
/// </summary>
public static class AuditFleetCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(CliContext io)
    {
        var store = new Option<string>("--store") { Description = "Fleet store connection string", Required = true };
        var schema = new Option<string>("--schema") { Description = "Fleet store schema", Required = true };
        var digest = new Option<string?>("--image-digest") { Description = "Nodes that booted this image digest (sha256 hex, 'sha256:' accepted)" };
        var version = new Option<string?>("--version") { Description = "Nodes running this Talos version" };
        var since = new Option<DateTimeOffset?>("--rolled-back-since") { Description = "Nodes rolled back at or after this time (ISO 8601)" };
        var lagging = new Option<bool>("--lagging") { Description = "Nodes not seen for --stale-after, or whose signed head is ahead of the store" };
        var stale = GoDuration.Option("--stale-after", "With --lagging: how long unseen counts as lagging", TimeSpan.FromMinutes(5));
        var cmd = new Command("fleet", "Answer fleet questions from the fleet store") { store, schema, digest, version, since, lagging, stale };
        cmd.SetAction(r => OfflineReport.Guard(io.Err, () =>
        {
            var filter = new FleetFilter(r.GetValue(digest), r.GetValue(version), r.GetValue(since),
                r.GetValue(lagging) ? io.Time.GetUtcNow() - r.GetValue(stale) : null);
            var rows = FleetSummaryReader.Query(r.GetValue(store)!, r.GetValue(schema)!, filter);
            Table.Write(io.Out, ["NODE", "HOSTNAME", "ROLE", "VERSION", "BOOTED", "CONFIRMED", "IMAGE", "SEQ", "SIGNED", "ROLLBACKS", "LAST-ROLLBACK", "LAST-SEEN"],
                [.. rows.Select(n => new[]
                {
                    n.Id, Dash(n.Hostname), Dash(n.Role), Dash(n.Version), Dash(n.BootedSlot), Dash(n.ConfirmedSlot),
                    n.ImageDigest.Length >= 12 ? n.ImageDigest[..12] : Dash(n.ImageDigest), Num(n.LastSequence), Num(n.SignedSequence),
                    Num(n.Rollbacks), Stamp(n.LastRollbackAt), Stamp(n.LastSeen),
                })]);
            io.Out.WriteLine($"{rows.Count} node(s)");
            return 0;
        }));
        return cmd;
    }

    private static string Dash(string s) => s.Length == 0 ? "-" : s;

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "-";
}
