using Spectre.Console;
using Talos.Api.Events;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Client;

/// <summary>
/// A Spectre.Console table redrawn in place: one row per node with its current phase and latest event. Used only on a
/// terminal; the rendering runs on its own task until <see cref="Dispose"/>.
/// </summary>
public sealed class LiveProgressView : IProgressView, IDisposable
{
    private readonly Dictionary<string, (string Phase, string Last)> _rows;
    private readonly Spectre.Console.Table _table = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _render;

    /// <summary>Starts drawing to <paramref name="io"/>'s output.</summary>
    public LiveProgressView(CliContext io, IReadOnlyList<string> nodes)
    {
        _rows = nodes.ToDictionary(n => n, _ => ("", "waiting for events"));
        _table.AddColumns("NODE", "PHASE", "LAST EVENT");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Out) });
        _render = console.Live(_table).StartAsync(async ctx =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Redraw();
                ctx.Refresh();
                try { await Task.Delay(100, _stop.Token).ConfigureAwait(false); } catch (OperationCanceledException) { }
            }
            Redraw();
            ctx.Refresh();
        });
    }

    /// <inheritdoc />
    public void Event(string node, DecodedEvent e)
    {
        if (!IProgressView.IsShown(e)) return;
        lock (_gate)
        {
            var (phase, _) = _rows[node];
            if (e.Node?.PayloadCase == NodeEvent.PayloadOneofCase.PhaseStarted)
                phase = $"{e.Node.PhaseStarted.Sequence}: {e.Node.PhaseStarted.Phase} ({e.Node.PhaseStarted.Index}/{e.Node.PhaseStarted.Count})";
            _rows[node] = (phase, IProgressView.Text(e));
        }
    }

    /// <inheritdoc />
    public void Dropped(string node) => Set(node, "connection lost; reconnecting");

    /// <inheritdoc />
    public void Reconnected(string node) => Set(node, "reconnected");

    /// <summary>Stops redrawing after a final frame.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _render.GetAwaiter().GetResult();
        _stop.Dispose();
    }

    private void Set(string node, string last)
    {
        lock (_gate) _rows[node] = (_rows[node].Phase, last);
    }

    private void Redraw()
    {
        lock (_gate)
        {
            _table.Rows.Clear();
            foreach (var (node, (phase, last)) in _rows)
                _table.AddRow(Markup.Escape(node), Markup.Escape(phase), Markup.Escape(last));
        }
    }
}
