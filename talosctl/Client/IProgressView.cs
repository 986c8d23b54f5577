using Talos.Api.Events;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Client;

/// <summary>Where <c>--wait</c> shows progress: plain lines when output is redirected, a live table on a terminal.</summary>
public interface IProgressView
{
    /// <summary>An event arrived from <paramref name="node"/>.</summary>
    void Event(string node, DecodedEvent e);

    /// <summary>The stream from <paramref name="node"/> dropped (the node is probably rebooting).</summary>
    void Dropped(string node);

    /// <summary>The stream is back.</summary>
    void Reconnected(string node);

    /// <summary>Picks the view for <paramref name="io"/>.</summary>
    static IProgressView For(CliContext io, IReadOnlyList<string> nodes) =>
        io.Interactive ? new LiveProgressView(io, nodes) : new PlainProgressView(io, nodes.Count > 1);

    /// <summary>Whether an event is progress worth showing (bookkeeping records are not).</summary>
    static bool IsShown(DecodedEvent e) => e.Node?.PayloadCase switch
    {
        NodeEvent.PayloadOneofCase.TaskStarted or NodeEvent.PayloadOneofCase.TaskCompleted or NodeEvent.PayloadOneofCase.Checkpoint
            or NodeEvent.PayloadOneofCase.MirrorAcknowledged => false,
        _ => !e.TypeUrl.EndsWith("machine.TaskEvent", StringComparison.Ordinal),
    };

    /// <summary>The text of one progress line.</summary>
    static string Text(DecodedEvent e) => e.Node is null ? $"{e.Source}: {e.Message}" : e.Message;
}

/// <summary>One line per progress event, prefixed with the node when several nodes are followed.</summary>
public sealed class PlainProgressView(CliContext io, bool prefix) : IProgressView
{
    /// <inheritdoc />
    public void Event(string node, DecodedEvent e)
    {
        if (IProgressView.IsShown(e)) Line(node, IProgressView.Text(e));
    }

    /// <inheritdoc />
    public void Dropped(string node) => Line(node, "connection lost (the node is rebooting?); reconnecting");

    /// <inheritdoc />
    public void Reconnected(string node) => Line(node, "reconnected");

    private void Line(string node, string text) => io.Out.WriteLine(prefix ? $"{node}: {text}" : text);
}
