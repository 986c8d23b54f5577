using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>COSI Get of a resource id that does not exist (upstream's wording).</summary>
public sealed class ResourceNotFoundException(string resourceNamespace, string type, string id)
    : TalosException($"resource {type}({resourceNamespace}/{id}@undefined) doesn't exist")
{
    /// <summary>The id asked for.</summary>
    public string Id { get; } = id;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
