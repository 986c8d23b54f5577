using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>A COSI read named a resource type (or namespace) this node does not serve.</summary>
public sealed class UnknownResourceTypeException(string resourceNamespace, string type, IEnumerable<string> known)
    : TalosException($"resource type '{type}' in namespace '{resourceNamespace}' is not served by this node; " +
                     $"known types: {string.Join(", ", known)}")
{
    /// <summary>The namespace asked for.</summary>
    public string Namespace { get; } = resourceNamespace;

    /// <summary>The type asked for.</summary>
    public string Type { get; } = type;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
