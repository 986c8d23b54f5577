using System.Globalization;
using System.Net;
using System.Text;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Offline;

/// <summary>
/// Renders <c>audit report</c> (issue #10): one self-contained HTML page (inline CSS, inline SVG, a few lines of inline
/// script, no external resource) with a timeline per node of which slot (A/B) it ran over time, rollback marks, and a
/// table of each node's head, state hash and problems. The DOM contract the tests check: <c>svg#timeline g.node</c>
/// per node (<c>data-node</c>), one <c>rect.slot</c> per span (<c>data-slot</c>, <c>data-version</c>),
/// <c>line.rollback</c> per rollback, and <c>table#nodes tr[data-node]</c> whose <c>td.rendered</c> the script fills
/// with the number of spans the browser actually laid out.
/// </summary>
internal static class AuditReportHtml
{
    private const int Left = 300, Width = 900, Row = 34, Bar = 20, Top = 30;

    /// <summary>The page for <paramref name="nodes"/> (in the given order).</summary>
    public static string Render(IReadOnlyList<AuditHistory> nodes, string title)
    {
        var built = nodes.Select(h => (History: h, Timeline: SlotTimeline.Build(h))).ToList();
        var spans = built.SelectMany(b => b.Timeline.Spans).ToList();
        var t0 = spans.Count > 0 ? spans.Min(s => s.From) : DateTimeOffset.UnixEpoch;
        var t1 = spans.Count > 0 ? spans.Max(s => s.To) : t0;
        var total = Math.Max(1, (t1 - t0).Ticks);
        double X(DateTimeOffset t) => Left + (double)(t - t0).Ticks / total * Width;

        var svg = new StringBuilder();
        var height = Top + (built.Count * Row) + 10;
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Left + Width + 20}\" height=\"{height}\" viewBox=\"0 0 {Left + Width + 20} {height}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"axis\"><text x=\"{Left}\" y=\"16\">{E(Stamp(t0))}</text><text x=\"{Left + Width}\" y=\"16\" text-anchor=\"end\">{E(Stamp(t1))}</text></g>\n");
        for (var i = 0; i < built.Count; i++)
        {
            var (h, (nodeSpans, rollbacks)) = built[i];
            var y = Top + (i * Row);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"node\" data-node=\"{E(h.NodeId)}\"><text class=\"label\" x=\"4\" y=\"{y + 15}\">{E(h.NodeId)}</text>\n");
            foreach (var s in nodeSpans)
            {
                var x = X(s.From);
                var w = Math.Max(3, X(s.To) - x);
                svg.Append(CultureInfo.InvariantCulture,
                    $"  <rect class=\"slot slot-{s.Slot.ToLowerInvariant()}\" data-slot=\"{s.Slot}\" data-version=\"{E(s.Version)}\" x=\"{x:F1}\" y=\"{y}\" width=\"{w:F1}\" height=\"{Bar}\">"
                    + $"<title>slot {s.Slot} {E(s.Version)}: from record {s.FromSequence} at {E(Stamp(s.From))} to {E(Stamp(s.To))}, {s.Boots} boot(s)</title></rect>\n");
            }
            foreach (var r in rollbacks)
            {
                var x = X(r.Time);
                svg.Append(CultureInfo.InvariantCulture, $"  <line class=\"rollback\" x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{y - 3}\" y2=\"{y + Bar + 3}\"><title>{E($"record {r.Sequence}: {r.Text}")}</title></line>\n");
            }
            svg.Append("</g>\n");
        }
        svg.Append("</svg>\n");
        return Page(title, built.Count, svg.ToString(), Table(built));
    }

    private static string Table(List<(AuditHistory History, (IReadOnlyList<SlotSpan> Spans, IReadOnlyList<RollbackMark> Rollbacks) Timeline)> built)
    {
        var t = new StringBuilder("<table id=\"nodes\"><thead><tr><th>node</th><th>source</th><th>head</th><th>state hash</th><th>spans</th><th>rendered</th><th>rollbacks</th><th>problems</th></tr></thead><tbody>\n");
        foreach (var (h, (spans, rollbacks)) in built)
        {
            var errors = h.Problems.Where(p => p.Severity == AuditSeverity.Error).Select(p => p.ToString()).ToList();
            t.Append(CultureInfo.InvariantCulture,
                $"<tr data-node=\"{E(h.NodeId)}\"><td>{E(h.NodeId)}</td><td>{E(h.Source)}</td><td>{h.LastSequence} <code>{E(h.LastHash[..Math.Min(16, h.LastHash.Length)])}</code></td>"
                + $"<td><code>{E(h.FinalState.Hash)}</code></td><td class=\"spans\">{spans.Count}</td><td class=\"rendered\"></td><td>{rollbacks.Count}</td>"
                + $"<td class=\"{(errors.Count == 0 ? "ok" : "bad")}\">{(errors.Count == 0 ? "none" : E(string.Join("; ", errors)))}</td></tr>\n");
        }
        return t.Append("</tbody></table>\n").ToString();
    }

    private static string Page(string title, int nodes, string svg, string table) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{E(title)}}</title>
        <style>
        body { font-family: sans-serif; margin: 1.5em; color: #222; }
        svg text { font-size: 12px; font-family: monospace; }
        rect.slot-a { fill: #3b7dd8; } rect.slot-b { fill: #e8912d; }
        line.rollback { stroke: #c0392b; stroke-width: 3; }
        .legend span { display: inline-block; padding: 2px 8px; margin-right: 8px; color: #fff; }
        table { border-collapse: collapse; margin-top: 1em; font-size: 13px; }
        td, th { border: 1px solid #ccc; padding: 3px 6px; text-align: left; }
        td.bad { color: #c0392b; } td.ok { color: #1e8449; }
        </style>
        </head>
        <body>
        <h1>{{E(title)}}</h1>
        <p class="legend"><span style="background:#3b7dd8">slot A</span><span style="background:#e8912d">slot B</span><span style="background:#c0392b">rollback</span> {{nodes}} node(s); hover a bar for its version and records.</p>
        {{svg}}{{table}}<script>
        // Fill each row's "rendered" cell with the spans the browser laid out for that node (checked by the tests).
        for (const tr of document.querySelectorAll('#nodes tr[data-node]')) {
          const g = [...document.querySelectorAll('#timeline g.node')].find(x => x.dataset.node === tr.dataset.node);
          const drawn = g ? [...g.querySelectorAll('rect.slot')].filter(r => r.getBBox().width > 0).length : 0;
          tr.querySelector('td.rendered').textContent = String(drawn);
        }
        </script>
        </body>
        </html>

        """;

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
