using System.CommandLine;
using Spectre.Console;
using Spectre.Console.Rendering;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl dashboard [--once] [-d/--update-interval] [--events N]</c>: per node, the stage, version, booted and
/// confirmed slot, services with health and the last lifecycle events. On a terminal a live Spectre.Console view that
/// refreshes until Ctrl+C; without one (or with <c>--once</c>) one plain snapshot, then exit (1 if a node could not be read).
/// </summary>
public static class DashboardCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var once = new Option<bool>("--once") { Description = "print one plain snapshot and exit (the default without a terminal)" };
        var interval = GoDuration.Option("--update-interval", "interval between updates", TimeSpan.FromSeconds(3));
        interval.Aliases.Add("-d");
        var events = new Option<int>("--events") { Description = "how many recent lifecycle events to show per node", DefaultValueFactory = _ => 5 };
        var cmd = new Command("dashboard", "Cluster dashboard with node stage, slots, services and recent events") { once, interval, events };
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, async clients =>
        {
            var n = r.GetValue(events);
            if (n < 0) throw new UsageException("--events must not be negative");
            if (r.GetValue(once) || !io.Interactive)
            {
                var snapshots = await ReadAllAsync(clients, n, ct);
                io.Out.Write(DashboardText.Plain(snapshots));
                return snapshots.Any(s => s.Error is not null) ? 1 : 0;
            }
            await LiveAsync(clients, n, r.GetValue(interval), io.Time, ct);
            return 0;
        }));
        return cmd;
    }

    /// <summary>Reads every node at once; the result is in node order.</summary>
    public static async Task<IReadOnlyList<NodeSnapshot>> ReadAllAsync(IReadOnlyList<IMachineClient> clients, int events, CancellationToken ct) =>
        await Task.WhenAll(clients.Select(c => NodeSnapshot.ReadAsync(c, events, ct)));

    private static async Task LiveAsync(IReadOnlyList<IMachineClient> clients, int events, TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        var console = AnsiConsole.Console;
        await console.Live(new Markup("[grey]reading nodes...[/]")).AutoClear(false).StartAsync(async ctx =>
        {
            while (!ct.IsCancellationRequested)
            {
                var snapshots = await ReadAllAsync(clients, events, ct);
                ctx.UpdateTarget(Render(snapshots, time.GetLocalNow()));
                try { await Task.Delay(interval, ct); }
                catch (OperationCanceledException) { break; }
            }
        });
    }

    private static IRenderable Render(IReadOnlyList<NodeSnapshot> snapshots, DateTimeOffset now)
    {
        var rows = new List<IRenderable> { new Markup($"[bold]talosctl dashboard[/] [grey]({now:HH:mm:ss}; Ctrl+C to quit)[/]") };
        rows.AddRange(snapshots.Select(NodePanel));
        return new Rows(rows);
    }

    private static Panel NodePanel(NodeSnapshot s)
    {
        if (s.Error is not null) return new Panel(new Markup($"[red]{Markup.Escape(s.Error)}[/]")) { Header = new PanelHeader(s.Node) };
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(new Markup("[grey]stage[/]"), new Markup((s.Ready ? "[green]" : "[yellow]") + Markup.Escape(DashboardText.Stage(s)) + "[/]"));
        grid.AddRow(new Markup("[grey]version[/]"), new Text(s.Version));
        foreach (var slot in s.Slots)
            grid.AddRow(new Markup($"[grey]slot {slot.Slot}[/]"), new Markup((slot.Booted ? "[bold]" : "[dim]") + Markup.Escape(DashboardText.Slot(slot)) + "[/]"));
        var services = new Spectre.Console.Table().Border(TableBorder.Simple).AddColumns("SERVICE", "STATE", "HEALTH", "MESSAGE");
        foreach (var v in s.Services)
            services.AddRow(new Text(v.Id), new Text(v.State), new Markup(v.Health == "OK" ? "[green]OK[/]" : $"[red]{Markup.Escape(v.Health)}[/]"), new Text(v.Message));
        var ev = new Spectre.Console.Table().Border(TableBorder.Simple).AddColumns("ID", "EVENT", "MESSAGE");
        foreach (var e in s.Events) ev.AddRow(e.Id, Markup.Escape(e.Kind), Markup.Escape(e.Message));
        return new Panel(new Rows(grid, services, ev)) { Header = new PanelHeader($" {s.Node} "), Expand = true };
    }
}
