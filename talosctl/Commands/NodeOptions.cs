using System.CommandLine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary>Flag groups shared by node commands (STYLE 16: reused, never redefined per verb).</summary>
public static class NodeOptions
{
    /// <summary>--insecure: maintenance mode (TLS without client certificate or server verification), as upstream.</summary>
    public static Option<bool> Insecure() => new("--insecure", "-i")
    {
        Description = "Use Talos maintenance mode API (no client certificate, the node is not verified)",
    };

    /// <summary>--wait: follow the operation's events until it completes.</summary>
    public static Option<bool> Wait() => new("--wait")
    {
        Description = "wait for the operation to complete, tracking its progress; exit non-zero if it fails or rolls back",
    };

    /// <summary>--timeout for --wait.</summary>
    public static Option<TimeSpan> WaitTimeout() =>
        GoDuration.Option("--timeout", "time to wait for the operation to complete when --wait is set", TimeSpan.FromMinutes(30));

    /// <summary>Opens the clients for a node command and runs <paramref name="body"/> with them.</summary>
    public static async Task<int> RunAsync(ParseResult r, GlobalOptions g, bool insecure, Func<IReadOnlyList<IMachineClient>, Task<int>> body,
        IReadOnlyList<byte[]>? pins = null)
    {
        using var clients = MachineClients.Open(r, g, insecure, pins);
        return await body(clients.All).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows each node's events until <paramref name="goalFor"/>'s goal is met (upgrade/reset --wait). The tail id is
    /// read before <paramref name="start"/> runs, so the follow starts right after the last event that preceded the call.
    /// </summary>
    public static async Task<int> StartAndWaitAsync(IReadOnlyList<IMachineClient> clients, CliContext io, TimeSpan timeout,
        Func<IMachineClient, Task<string>> start, Func<OperationGoal> goalFor, CancellationToken ct)
    {
        var view = IProgressView.For(io, clients.Select(c => c.Node).ToList());
        var results = new System.Collections.Concurrent.ConcurrentDictionary<IMachineClient, string>();
        int rc;
        try
        {
            rc = await FanOut.ConcurrentAsync(clients, io, async c =>
            {
                var follower = new EventFollower(c, io, view);
                var tail = await follower.TailIdAsync(ct).ConfigureAwait(false);
                var goal = goalFor();
                goal.ActorId = await start(c).ConfigureAwait(false);
                results[c] = await follower.FollowAsync(tail, goal, timeout, ct).ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
        }
        finally
        {
            // The live table owns the terminal until it is disposed; results are printed after it, in node order.
            (view as IDisposable)?.Dispose();
        }
        foreach (var c in clients)
            if (results.TryGetValue(c, out var done)) io.Out.WriteLine($"{c.Node}: {done}");
        return rc;
    }
}
