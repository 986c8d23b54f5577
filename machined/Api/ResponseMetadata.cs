using Grpc.Core;
using CommonMetadata = Talos.Api.Common.Metadata;

namespace Talos.Machined.Api;

/// <summary>
/// The <c>common.Metadata metadata = 1</c> every reply item carries. Upstream apid fills <c>hostname</c> with the
/// target named by the caller's <c>node</c> metadata header; this node does the same for calls addressed to it,
/// and leaves metadata unset for calls without the header (as upstream's direct replies do).
/// </summary>
public static class ResponseMetadata
{
    /// <summary>The gRPC metadata header that selects a target node (upstream's name).</summary>
    public const string NodeHeader = "node";

    /// <summary>Metadata for one reply item of this call, or null when the call named no node.</summary>
    public static CommonMetadata? For(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var node = context.RequestHeaders.GetValue(NodeHeader);
        return string.IsNullOrEmpty(node) ? null : new CommonMetadata { Hostname = node };
    }
}
