using System.Text;

namespace Talos.Machined.Runtime;

/// <summary>
/// Line-based unified diff in the shape of Python's difflib / go-difflib (what upstream's apply-config --dry-run
/// prints): <c>--- old</c>, <c>+++ new</c>, hunks <c>@@ -a,b +c,d @@</c> with 3 lines of context. The edit script is a
/// longest common subsequence (quadratic in lines: a machine config has a few hundred, so that costs nothing).
/// </summary>
public static class UnifiedDiff
{
    /// <summary>The diff of <paramref name="before"/> and <paramref name="after"/>; "" when they are equal.</summary>
    public static string Of(string before, string after, string fromFile = "old", string toFile = "new", int context = 3)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = Lines(before);
        var b = Lines(after);
        var ops = Script(a, b);
        if (ops.All(o => o.Kind == ' ')) return "";
        var sb = new StringBuilder().Append("--- ").Append(fromFile).Append('\n').Append("+++ ").Append(toFile).Append('\n');
        foreach (var (start, end) in Hunks(ops, context)) WriteHunk(sb, ops, start, end);
        return sb.ToString();
    }

    private readonly record struct Op(char Kind, int A, int B, string Text);

    private static string[] Lines(string s) => s.Length == 0 ? [] : s.TrimEnd('\n').Split('\n');

    /// <summary>Equal/delete/insert operations; deletions before insertions within a change, as difflib orders them.</summary>
    private static List<Op> Script(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var ops = new List<Op>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { ops.Add(new Op(' ', x, y, a[x])); x++; y++; }
            else if (y >= b.Length || (x < a.Length && lcs[x + 1, y] >= lcs[x, y + 1])) { ops.Add(new Op('-', x, y, a[x])); x++; }
            else { ops.Add(new Op('+', x, y, b[y])); y++; }
        }
        return ops;
    }

    /// <summary>Ranges of operations [start, end) around changes, merged when their contexts touch.</summary>
    private static List<(int Start, int End)> Hunks(List<Op> ops, int context)
    {
        var hunks = new List<(int Start, int End)>();
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i].Kind == ' ') continue;
            var start = Math.Max(0, i - context);
            var last = i;
            while (last + 1 < ops.Count && (ops[last + 1].Kind != ' ' || NextChangeWithin(ops, last + 1, 2 * context))) last++;
            var end = Math.Min(ops.Count, last + 1 + context);
            if (hunks.Count > 0 && start <= hunks[^1].End) hunks[^1] = (hunks[^1].Start, end);
            else hunks.Add((start, end));
            i = last;
        }
        return hunks;
    }

    private static bool NextChangeWithin(List<Op> ops, int from, int span)
    {
        for (var k = from; k < ops.Count && k < from + span; k++) if (ops[k].Kind != ' ') return true;
        return false;
    }

    private static void WriteHunk(StringBuilder sb, List<Op> ops, int start, int end)
    {
        var slice = ops.GetRange(start, end - start);
        var aCount = slice.Count(o => o.Kind != '+');
        var bCount = slice.Count(o => o.Kind != '-');
        sb.Append("@@ -").Append(Range(slice[0].A, aCount)).Append(" +").Append(Range(slice[0].B, bCount)).Append(" @@\n");
        foreach (var o in slice) sb.Append(o.Kind).Append(o.Text).Append('\n');
    }

    /// <summary>difflib's range: "start,length" 1-based; a single line is just "start"; an empty range names the line before.</summary>
    private static string Range(int start, int length) =>
        length == 1 ? (start + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(length == 0 ? start : start + 1)},{length}");
}
