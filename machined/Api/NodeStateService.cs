using System.Text.RegularExpressions;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Machined.Runtime;

namespace Talos.Machined.Api;

/// <summary>
/// cosi.resource.State over a node: Get, List and Watch of <see cref="NodeResources"/> (writes stay refused by the
/// base). Watch re-evaluates the resources whenever the node's log grows and at least every
/// <see cref="WatchPollInterval"/> (services change health without log events), and sends the differences.
/// </summary>
public sealed class NodeStateService(NodeRuntime node, TimeProvider time) : ReadOnlyStateService
{
    /// <summary>Upper bound on how stale a Watch can be (the injected clock's time).</summary>
    public static readonly TimeSpan WatchPollInterval = TimeSpan.FromMilliseconds(250);

    /// <inheritdoc />
    public override Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        var type = ResourceTypes.Resolve(request.Namespace, request.Type);
        var r = NodeResources.List(node, type, context.GetCaller()).FirstOrDefault(x => x.Metadata.Id == request.Id)
                ?? throw new ResourceNotFoundException(type.Namespace, type.Type, request.Id);
        return Task.FromResult(new GetResponse { Resource = r });
    }

    /// <inheritdoc />
    public override async Task List(ListRequest request, IServerStreamWriter<ListResponse> responseStream, ServerCallContext context)
    {
        var type = ResourceTypes.Resolve(request.Namespace, request.Type);
        var filter = IdFilter(request.Options?.IdQuery);
        foreach (var r in NodeResources.List(node, type, context.GetCaller()).Where(r => filter(r.Metadata.Id)))
            await responseStream.WriteAsync(new ListResponse { Resource = r }, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        var type = ResourceTypes.Resolve(request.Namespace, request.Type);
        var caller = context.GetCaller();
        var ct = context.CancellationToken;
        var idFilter = IdFilter(request.Options?.IdQuery);
        bool Wanted(Resource r) => (!request.HasId || r.Metadata.Id == request.Id) && idFilter(r.Metadata.Id);
        var changed = node.Journal.Subscribe(out var unsubscribe);
        try
        {
            var current = Snapshot();
            // A single-resource watch always starts with its current state; a kind watch only with bootstrap_contents.
            if (request.HasId || request.Options?.BootstrapContents == true)
            {
                var initial = new WatchResponse();
                initial.Event.AddRange(current.Values.Select(r => new Event { Resource = r, EventType = EventType.Created }));
                if (request.ApiVersion >= 1 && !request.HasId) initial.Event.Add(new Event { EventType = EventType.Bootstrapped });
                if (initial.Event.Count > 0) await responseStream.WriteAsync(initial, ct);
            }
            while (!ct.IsCancellationRequested)
            {
                await WaitForChangeAsync(changed, ct);
                var next = Snapshot();
                var diff = Diff(current, next);
                if (diff.Event.Count > 0) await responseStream.WriteAsync(diff, ct);
                current = next;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { /* the client ended the watch */ }
        finally { unsubscribe(); }

        Dictionary<string, Resource> Snapshot() =>
            NodeResources.List(node, type, caller).Where(Wanted).ToDictionary(r => r.Metadata.Id, StringComparer.Ordinal);
    }

    private async Task WaitForChangeAsync(System.Threading.Channels.ChannelReader<Talos.Api.Events.NodeEvent> changed, CancellationToken ct)
    {
        var tick = Task.Delay(WatchPollInterval, time, ct);
        var grew = changed.WaitToReadAsync(ct).AsTask();
        await Task.WhenAny(tick, grew);
        ct.ThrowIfCancellationRequested();
        // A subscription dropped for falling behind (or closed) answers at once forever: then just poll.
        if (grew.IsCompletedSuccessfully && grew.Result) { while (changed.TryRead(out _)) { } }
        else if (grew.IsCompleted) await tick;
    }

    private static WatchResponse Diff(Dictionary<string, Resource> before, Dictionary<string, Resource> after)
    {
        var w = new WatchResponse();
        foreach (var (id, r) in after)
        {
            if (!before.TryGetValue(id, out var old)) w.Event.Add(new Event { Resource = r, EventType = EventType.Created });
            else if (!old.Spec.Equals(r.Spec)) w.Event.Add(new Event { Resource = r, Old = old, EventType = EventType.Updated });
        }
        foreach (var (id, old) in before)
            if (!after.ContainsKey(id)) w.Event.Add(new Event { Resource = old, EventType = EventType.Destroyed });
        return w;
    }

    private static Func<string, bool> IdFilter(IDQuery? q)
    {
        if (q is null || q.Regexp.Length == 0) return _ => true;
        Regex re;
        try { re = new Regex(q.Regexp, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)); }
        catch (ArgumentException e) { throw new InvalidApiRequestException("id_query.regexp", e.Message); }
        return id => re.IsMatch(id);
    }
}
