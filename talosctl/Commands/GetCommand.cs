using System.CommandLine;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl get &lt;type&gt; [id] [--namespace] [-o table|yaml|json] [--watch] [--insecure]</c>.</summary>
public static class GetCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var type = new Argument<string>("type") { Description = "resource type or alias (machinestatus, machineconfig, services, metakeys, bootslots, version)" };
        var id = new Argument<string?>("id") { Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace") { Description = "resource namespace (default is to use default namespace per resource)" };
        var output = new Option<string>("--output", "-o") { Description = "output mode", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "yaml", "json");
        var watch = new Option<bool>("--watch", "-w") { Description = "watch resource changes" };
        var insecure = NodeOptions.Insecure();
        var cmd = new Command("get", "Get a specific resource or list of resources") { type, id, ns, output, watch, insecure };
        cmd.Aliases.Add("g");
        cmd.SetAction(async (r, ct) =>
        {
            var (fullType, defaultNs) = ResourceAliases.Resolve(r.GetValue(type)!);
            var q = new Query(fullType, r.GetValue(ns) ?? defaultNs, r.GetValue(id), r.GetValue(output)!);
            return await NodeOptions.RunAsync(r, g, r.GetValue(insecure), clients =>
                r.GetValue(watch) ? Watch(clients, io, q, ct) : Once(clients, io, q, ct));
        });
        return cmd;
    }

    private sealed record Query(string Type, string Namespace, string? Id, string Output);

    private static async Task<int> Once(IReadOnlyList<IMachineClient> clients, CliContext io, Query q, CancellationToken ct)
    {
        var (found, rc) = await FanOut.CollectAsync<(string, Resource)>(clients, io, async c =>
        {
            if (q.Id is not null)
            {
                var reply = await c.Resources.GetAsync(new GetRequest { Namespace = q.Namespace, Type = q.Type, Id = q.Id }, c.Call(ct));
                return new[] { (c.Node, reply.Resource) };
            }
            var list = new List<(string, Resource)>();
            using var call = c.Resources.List(new ListRequest { Namespace = q.Namespace, Type = q.Type }, c.Call(ct));
            await foreach (var item in call.ResponseStream.ReadAllAsync(ct)) list.Add((c.Node, item.Resource));
            return (IEnumerable<(string, Resource)>)list;
        });
        switch (q.Output)
        {
            case "yaml":
                io.Out.Write(string.Join("---\n", found.Select(f => ResourceFormat.Yaml(f.Item1, f.Item2))));
                break;
            case "json":
                foreach (var (node, res) in found) io.Out.Write(ResourceFormat.Json(node, res));
                break;
            default:
                if (rc == 0 || found.Count > 0)
                    Table.Write(io.Out, [.. ResourceFormat.BaseHeader, .. ResourceFormat.SpecHeader(q.Type)], found.Select(f => ResourceFormat.Row(f.Item1, f.Item2)).ToList());
                break;
        }
        return rc;
    }

    private static async Task<int> Watch(IReadOnlyList<IMachineClient> clients, CliContext io, Query q, CancellationToken ct)
    {
        var table = new StreamTable(io.Out, ["NODE", "*", .. ResourceFormat.BaseHeader[1..], .. ResourceFormat.SpecHeader(q.Type)],
            [clients.Max(c => c.Node.Length), 1, q.Namespace.Length, ResourceFormat.Kind(q.Type).Length]);
        return await FanOut.ConcurrentAsync(clients, io, async c =>
        {
            var request = new WatchRequest { Namespace = q.Namespace, Type = q.Type, Options = new WatchOptions { BootstrapContents = true } };
            if (q.Id is not null) request.Id = q.Id;
            using var call = c.Resources.Watch(request, c.Call(ct));
            await foreach (var batch in call.ResponseStream.ReadAllAsync(ct))
                foreach (var e in batch.Event.Where(e => e.Resource is not null))
                {
                    var mark = e.EventType switch { EventType.Created => "+", EventType.Destroyed => "-", EventType.Updated => " ", _ => "" };
                    if (e.EventType is EventType.Bootstrapped or EventType.Noop or EventType.Errored) continue;
                    var row = ResourceFormat.Row(c.Node, e.Resource);
                    if (q.Output == "table") table.Row([row[0], mark, .. row[1..]]);
                    else io.Out.Write(q.Output == "yaml" ? "---\n" + ResourceFormat.Yaml(c.Node, e.Resource) : ResourceFormat.Json(c.Node, e.Resource));
                }
            return 0;
        });
    }
}
