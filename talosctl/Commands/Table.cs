namespace Talos.Ctl.Commands;

/// <summary>Upstream-style plain tables (tab-writer look: columns padded with 3 spaces), stable for golden tests.</summary>
public static class Table
{
    /// <summary>Writes a header and rows, each column padded to its widest cell.</summary>
    public static void Write(TextWriter w, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        void Line(IReadOnlyList<string> cells) =>
            w.WriteLine(string.Join("   ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
        Line(header);
        foreach (var r in rows) Line(r);
    }
}
