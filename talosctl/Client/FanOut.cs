using Grpc.Core;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Client;

/// <summary>
/// Runs one action per node and reports each failing node on one line of stderr (which node, what failed, what to do),
/// as upstream's one-to-many mode does; the exit code is 1 when any node failed.
/// </summary>
public static class FanOut
{
    /// <summary>Runs <paramref name="action"/> for each node in order (deterministic output); returns the exit code.</summary>
    public static async Task<int> EachAsync(IReadOnlyList<IMachineClient> clients, CliContext io, Func<IMachineClient, Task<int>> action)
    {
        var rc = 0;
        foreach (var c in clients)
        {
            var r = await Guard(c, io, () => action(c)).ConfigureAwait(false);
            if (r != 0) rc = r;
        }
        return rc;
    }

    /// <summary>Runs <paramref name="action"/> for every node at once (streams that follow); output must be line-atomic.</summary>
    public static async Task<int> ConcurrentAsync(IReadOnlyList<IMachineClient> clients, CliContext io, Func<IMachineClient, Task<int>> action)
    {
        if (clients.Count == 1) return await Guard(clients[0], io, () => action(clients[0])).ConfigureAwait(false);
        var results = await Task.WhenAll(clients.Select(c => Guard(c, io, () => action(c)))).ConfigureAwait(false);
        return results.FirstOrDefault(r => r != 0);
    }

    /// <summary>Collects rows from every node; failing nodes are reported and skipped.</summary>
    public static async Task<(List<T> Rows, int Rc)> CollectAsync<T>(IReadOnlyList<IMachineClient> clients, CliContext io, Func<IMachineClient, Task<IEnumerable<T>>> fetch)
    {
        var rows = new List<T>();
        var rc = await EachAsync(clients, io, async c =>
        {
            rows.AddRange(await fetch(c).ConfigureAwait(false));
            return 0;
        }).ConfigureAwait(false);
        return (rows, rc);
    }

    /// <summary>"node: line" when the command targets several nodes, else the line (upstream's stream prefixing).</summary>
    public static string Prefix(IReadOnlyList<IMachineClient> clients, IMachineClient c, string line) =>
        clients.Count > 1 ? $"{c.Node}: {line}" : line;

    private static async Task<int> Guard(IMachineClient c, CliContext io, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
            // The user pressed Ctrl+C while following a stream: not a failure worth a line.
            return 130;
        }
        catch (RpcException e)
        {
            io.Error(RpcErrors.Describe(e, c.Node, c.Insecure));
            return 1;
        }
        catch (NodeCommandException e)
        {
            io.Error($"{c.Node}: {e.Message}");
            return 1;
        }
    }
}
