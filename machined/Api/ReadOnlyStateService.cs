using Grpc.Core;
using Talos.Api.Cosi;

namespace Talos.Machined.Api;

/// <summary>
/// The COSI State service as Talos exposes it: read-only. Writes always fail with PermissionDenied
/// "write access is not allowed" (upstream's text); Get/List/Watch answer Unimplemented until the node runtime
/// subclasses this with its resource store.
/// </summary>
public class ReadOnlyStateService : State.StateBase
{
    private static RpcException WriteDenied() => new(new Status(StatusCode.PermissionDenied, "write access is not allowed"));

    /// <inheritdoc />
    public override Task<CreateResponse> Create(CreateRequest request, ServerCallContext context) => throw WriteDenied();

    /// <inheritdoc />
    public override Task<UpdateResponse> Update(UpdateRequest request, ServerCallContext context) => throw WriteDenied();

    /// <inheritdoc />
    public override Task<DestroyResponse> Destroy(DestroyRequest request, ServerCallContext context) => throw WriteDenied();

    /// <inheritdoc />
    public override Task<TeardownResponse> Teardown(TeardownRequest request, ServerCallContext context) => throw WriteDenied();

    /// <inheritdoc />
    public override Task<TeardownAndDestroyResponse> TeardownAndDestroy(TeardownAndDestroyRequest request, ServerCallContext context) =>
        throw WriteDenied();
}
