using System.Text;
using Grpc.Core;
using Talos.Api.Common;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>
/// Prints a <c>common.Data</c> stream (logs, dmesg) as whole lines, prefixed with the node when several nodes stream at
/// once (chunks may split a line, so a partial line waits for the rest).
/// </summary>
public static class LineStream
{
    /// <summary>Copies the stream of <paramref name="c"/> to <paramref name="io"/>'s output until it ends.</summary>
    public static async Task<int> CopyAsync(IReadOnlyList<IMachineClient> clients, IMachineClient c, AsyncServerStreamingCall<Data> call, CliContext io, CancellationToken ct)
    {
        var pending = new StringBuilder();
        var decoder = Encoding.UTF8.GetDecoder();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct))
        {
            if (chunk.Metadata?.Error is { Length: > 0 } err) throw new NodeCommandException(err);
            var bytes = chunk.Bytes.Span;
            var chars = new char[decoder.GetCharCount(bytes, flush: false)];
            decoder.GetChars(bytes, chars, flush: false);
            pending.Append(chars);
            Flush(clients, c, io, pending, final: false);
        }
        Flush(clients, c, io, pending, final: true);
        return 0;
    }

    private static void Flush(IReadOnlyList<IMachineClient> clients, IMachineClient c, CliContext io, StringBuilder pending, bool final)
    {
        var text = pending.ToString();
        var end = final ? text.Length : text.LastIndexOf('\n') + 1;
        if (end <= 0) return;
        foreach (var line in text[..end].TrimEnd('\n').Split('\n'))
            io.Out.WriteLine(FanOut.Prefix(clients, c, line.TrimEnd('\r')));
        pending.Remove(0, end);
    }
}
