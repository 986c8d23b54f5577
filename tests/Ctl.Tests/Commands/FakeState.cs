using Grpc.Core;
using Talos.Api.Cosi;

namespace Talos.Ctl.Tests.Commands;

/// <summary>A read-only cosi.resource.State over a fixed list of resources.</summary>
public sealed class FakeState : State.StateBase
{
    public List<Resource> Resources { get; } = [];

    public override Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        var r = Resources.FirstOrDefault(x => x.Metadata.Namespace == request.Namespace && x.Metadata.Type == request.Type && x.Metadata.Id == request.Id)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"resource {request.Type}/{request.Id} doesn't exist"));
        return Task.FromResult(new GetResponse { Resource = r });
    }

    public override async Task List(ListRequest request, IServerStreamWriter<ListResponse> responseStream, ServerCallContext context)
    {
        foreach (var r in Resources.Where(x => x.Metadata.Namespace == request.Namespace && x.Metadata.Type == request.Type))
            await responseStream.WriteAsync(new ListResponse { Resource = r });
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        var matching = Resources.Where(x => x.Metadata.Namespace == request.Namespace && x.Metadata.Type == request.Type).ToList();
        foreach (var r in matching) await responseStream.WriteAsync(new WatchResponse { Event = { new Event { Resource = r, EventType = EventType.Created } } });
        if (matching.Count > 0)
            await responseStream.WriteAsync(new WatchResponse { Event = { new Event { Resource = matching[0], EventType = EventType.Destroyed } } });
    }
}
