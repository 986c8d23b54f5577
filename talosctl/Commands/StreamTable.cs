namespace Talos.Ctl.Commands;

/// <summary>
/// A table printed row by row as events stream in (events, get --watch): each column is padded to the widest cell seen
/// so far (at least its header), so output appears at once and stays deterministic. Thread-safe per row.
/// </summary>
public sealed class StreamTable
{
    private readonly TextWriter _w;
    private readonly int[] _widths;
    private readonly Lock _gate = new();

    /// <summary>Writes the header at once, columns at least <paramref name="minWidths"/> wide (what is known up front).</summary>
    public StreamTable(TextWriter w, IReadOnlyList<string> header, IReadOnlyList<int>? minWidths = null)
    {
        _w = w;
        _widths = header.Select((h, i) => Math.Max(h.Length, minWidths is not null && i < minWidths.Count ? minWidths[i] : 0)).ToArray();
        Row(header);
    }

    /// <summary>Writes one row.</summary>
    public void Row(IReadOnlyList<string> cells)
    {
        lock (_gate)
        {
            for (var i = 0; i < cells.Count; i++) _widths[i] = Math.Max(_widths[i], cells[i].Length);
            _w.WriteLine(string.Join("   ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(_widths[i]))).TrimEnd());
        }
    }
}
