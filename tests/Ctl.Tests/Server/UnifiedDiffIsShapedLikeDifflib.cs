using FsCheck;
using FsCheck.Fluent;
using Talos.Machined.Runtime;

namespace Talos.Ctl.Tests.Server;

/// <summary>The dry-run config diff (machined's ApplyConfiguration) against outputs of Python's difflib.unified_diff.</summary>
public sealed class UnifiedDiffIsShapedLikeDifflib
{
    private static string L(params string[] lines) => string.Join("\n", lines) + "\n";

    [Fact]
    public void Equal_texts_have_no_diff() => Assert.Equal("", UnifiedDiff.Of(L("a", "b"), L("a", "b")));

    [Fact]
    public void One_changed_line_gets_three_lines_of_context()
    {
        var before = L("1", "2", "3", "4", "5", "6", "7", "8", "9");
        var after = L("1", "2", "3", "4", "X", "6", "7", "8", "9");
        // difflib.unified_diff(a, b, "old", "new", lineterm="")
        Assert.Equal(L("--- old", "+++ new", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+X", " 6", " 7", " 8"), UnifiedDiff.Of(before, after));
    }

    [Fact]
    public void Distant_changes_make_two_hunks_and_near_ones_one()
    {
        var a = Enumerable.Range(1, 20).Select(i => i.ToString()).ToArray();
        var far = a.Select(x => x is "2" or "18" ? x + "!" : x).ToArray();
        Assert.Equal(L("--- old", "+++ new", "@@ -1,5 +1,5 @@", " 1", "-2", "+2!", " 3", " 4", " 5",
            "@@ -15,6 +15,6 @@", " 15", " 16", " 17", "-18", "+18!", " 19", " 20"), UnifiedDiff.Of(L(a), L(far)));
        var near = a.Select(x => x is "2" or "8" ? x + "!" : x).ToArray();   // 5 equal lines between: merged (<= 2*3)
        Assert.StartsWith(L("--- old", "+++ new", "@@ -1,11 +1,11 @@"), UnifiedDiff.Of(L(a), L(near)));
    }

    [Fact]
    public void Pure_insertions_and_deletions_use_difflib_ranges()
    {
        Assert.Equal(L("--- old", "+++ new", "@@ -0,0 +1 @@", "+a"), UnifiedDiff.Of("", L("a")));
        Assert.Equal(L("--- old", "+++ new", "@@ -1,2 +1 @@", " a", "-b"), UnifiedDiff.Of(L("a", "b"), L("a")));
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Applying_the_hunks_to_the_old_text_gives_the_new_text() =>
        Prop.ForAll(FsCheck.Fluent.Gen.ListOf(FsCheck.Fluent.Gen.Elements("a", "b", "c", "d")).Select(l => l.ToArray()).ToArbitrary(),
            FsCheck.Fluent.Gen.ListOf(FsCheck.Fluent.Gen.Elements("a", "b", "c", "d")).Select(l => l.ToArray()).ToArbitrary(),
            (a, b) =>
            {
                var before = a.Length == 0 ? "" : L(a);
                var after = b.Length == 0 ? "" : L(b);
                return Patch(before, UnifiedDiff.Of(before, after)) == after;
            });

    /// <summary>A minimal patch(1): replays every hunk's '-'/'+'/' ' lines over the old text.</summary>
    private static string Patch(string before, string diff)
    {
        if (diff.Length == 0) return before;
        var old = before.Length == 0 ? [] : before.TrimEnd('\n').Split('\n');
        var result = new List<string>();
        var pos = 0;
        foreach (var line in diff.TrimEnd('\n').Split('\n').Skip(2))
        {
            if (line.StartsWith("@@"))
            {
                var from = line.Split(' ')[1][1..].Split(',');
                var start = int.Parse(from[0]) - (from.Length > 1 && from[1] == "0" ? 0 : 1);
                while (pos < start) result.Add(old[pos++]);
                continue;
            }
            if (line[0] == '+') result.Add(line[1..]);
            else { if (line[0] == ' ') result.Add(line[1..]); pos++; }
        }
        while (pos < old.Length) result.Add(old[pos++]);
        return result.Count == 0 ? "" : L([.. result]);
    }
}
