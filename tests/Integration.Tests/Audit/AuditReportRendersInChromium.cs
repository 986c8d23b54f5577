using System.Diagnostics;
using System.Text.RegularExpressions;
using Talos.Ctl;
using Talos.Ctl.Commands;
using Talos.Partitions.Devices;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// talosctl audit report (issue #10) rendered by a real browser: headless Chromium from Debian (installed by
/// tests/run.sh) loads the page, runs its script and dumps the DOM; the slot spans per node are what the histories say.
/// </summary>
public sealed partial class AuditReportRendersInChromium : IDisposable
{
    private static readonly Guid RolledBackNode = Guid.Parse("6f1c1d1e-0000-4000-8000-00000000c001");
    private static readonly Guid UpgradedNode = Guid.Parse("6f1c1d1e-0000-4000-8000-00000000c002");
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-audit-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> Capture(Guid id, bool rollback)
    {
        using var node = NodeDisk.InMemory(id);
        await node.HistoryAsync(rollback);
        node.CloseLog();
        var path = Path.Combine(_dir, $"{id}.img");
        await File.WriteAllBytesAsync(path, ((MemoryBlockDevice)node.Disk).Bytes.ToArray());
        return path;
    }

    [Fact]
    public async Task Each_node_shows_one_bar_per_slot_span_and_its_rollbacks()
    {
        var a = await Capture(RolledBackNode, rollback: true);
        var b = await Capture(UpgradedNode, rollback: false);
        var html = Path.Combine(_dir, "report.html");
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["audit", "report", "--out", html, "--from", "disk:" + a, "--from", "disk:" + b], new CliContext(o, e)));
        Assert.Contains($"{RolledBackNode} disk:{a}: 3 slot span(s), head 20, 0 error(s)", o.ToString());
        Assert.DoesNotContain("http", File.ReadAllText(html).Replace("http://www.w3.org/2000/svg", ""));   // self-contained

        var dom = await Chromium("--dump-dom", html);
        Assert.Equal(["A", "B", "A"], SlotsOf(dom, RolledBackNode));
        Assert.Equal(["A", "B"], SlotsOf(dom, UpgradedNode));
        Assert.Equal(1, Regex.Count(Node(dom, RolledBackNode), "<line class=\"rollback\""));
        Assert.Equal(0, Regex.Count(Node(dom, UpgradedNode), "<line class=\"rollback\""));
        // The page's script ran in the browser and counted the bars it laid out (width > 0).
        Assert.Equal("3", Rendered(dom, RolledBackNode));
        Assert.Equal("2", Rendered(dom, UpgradedNode));
        Assert.Contains("data-version=\"v1.10.0\"", Node(dom, UpgradedNode));
    }

    [Fact]
    public async Task A_report_without_sources_is_refused_and_writes_nothing()
    {
        var html = Path.Combine(_dir, "none.html");
        var e = new StringWriter();
        Assert.Equal(1, await Cli.RunAsync(["audit", "report", "--out", html], new CliContext(new StringWriter(), e)));
        Assert.StartsWith("error: nothing to report", e.ToString());
        Assert.False(File.Exists(html));
    }

    private static string Node(string dom, Guid id)
    {
        var m = Regex.Match(dom, $"<g class=\"node\" data-node=\"{id}\">(.*?)</g>", RegexOptions.Singleline);
        Assert.True(m.Success, "no timeline row for " + id);
        return m.Groups[1].Value;
    }

    private static string[] SlotsOf(string dom, Guid id) => [.. SlotRect().Matches(Node(dom, id)).Select(m => m.Groups[1].Value)];

    private static string Rendered(string dom, Guid id) =>
        Regex.Match(dom, $"<tr data-node=\"{id}\">.*?<td class=\"rendered\">(\\d*)</td>", RegexOptions.Singleline).Groups[1].Value;

    [GeneratedRegex("<rect class=\"slot slot-[ab]\" data-slot=\"([AB])\"")]
    private static partial Regex SlotRect();

    /// <summary>Runs headless Chromium on the file (bounded: 60 s), returning stdout.</summary>
    internal static async Task<string> Chromium(string mode, string file)
    {
        var exe = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.True(exe is not null, "chromium is not installed: tests/run.sh installs the Debian package 'chromium'");
        var profile = Directory.CreateTempSubdirectory("talos-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(exe!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}", mode, "file://" + file })
                psi.ArgumentList.Add(arg);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException("chromium did not finish in 60 s: " + await stderr); }
            Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {await stderr}");
            return await stdout;
        }
        finally { Directory.Delete(profile, recursive: true); }
    }
}
