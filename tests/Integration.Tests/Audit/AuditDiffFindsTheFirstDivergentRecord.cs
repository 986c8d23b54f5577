using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Partitions.Devices;

namespace Talos.Integration.Tests.Audit;

/// <summary>talosctl audit diff (issue #10) between two captured disks: the same history, an edited record, two nodes.</summary>
public sealed class AuditDiffFindsTheFirstDivergentRecord : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-audit-diff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> Capture(string name, Guid? nodeId = null, Action<NodeDisk>? tamper = null, bool rollback = true)
    {
        using var node = NodeDisk.InMemory(nodeId);
        await node.HistoryAsync(rollback);
        node.CloseLog();
        tamper?.Invoke(node);
        var path = Path.Combine(_dir, name);
        await File.WriteAllBytesAsync(path, ((MemoryBlockDevice)node.Disk).Bytes.ToArray());
        return path;
    }

    private static async Task<(int Code, string[] Lines)> Diff(string a, string b)
    {
        var o = new StringWriter();
        var code = await Cli.RunAsync(["audit", "diff", "--a", "disk:" + a, "--b", "disk:" + b], new CliContext(o, new StringWriter()));
        return (code, o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Two_captures_of_the_same_history_are_the_same()
    {
        var (code, lines) = await Diff(await Capture("a.img"), await Capture("b.img"));
        Assert.Equal(0, code);
        Assert.Equal("SHARED 20 records", lines[2]);
        Assert.Equal("SAME", lines[3]);
    }

    [Fact]
    public async Task An_edited_record_is_reported_at_its_sequence_with_the_field_that_differs()
    {
        var clean = await Capture("clean.img");
        var edited = await Capture("edited.img", tamper: n => n.RewriteRecord(12, e => { e.ImageWrittenToSlot.Version = "v1.10.9"; return e; }));
        var (code, lines) = await Diff(clean, edited);
        Assert.Equal(1, code);
        Assert.Equal("DIVERGED at 12", lines[3]);
        var field = Assert.Single(lines, l => l.StartsWith("  payload ", StringComparison.Ordinal));
        Assert.Matches(@"^  payload image_written_to_slot\.version: ""v[0-9.]+"" vs ""v1\.10\.9""$", field);
        Assert.Contains(lines, l => l.StartsWith("  hash: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_nodes_whose_upgrades_ended_differently_diverge_where_the_outcomes_split()
    {
        var (code, lines) = await Diff(await Capture("n1.img"), await Capture("n2.img", Guid.Parse("6f1c1d1e-0000-4000-8000-00000000b002"), rollback: false));
        Assert.Equal(1, code);
        Assert.NotEqual(lines[0].Split(' ')[3], lines[1].Split(' ')[3]);   // different node ids
        var at = long.Parse(Assert.Single(lines, l => l.StartsWith("DIVERGED at ", StringComparison.Ordinal))[12..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, 2, 20);   // a shared prefix, then the split
        Assert.Contains(lines, l => l.StartsWith("  type: ", StringComparison.Ordinal) || l.StartsWith("  payload ", StringComparison.Ordinal));
    }
}
