using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>A request field the node cannot accept; nothing was changed.</summary>
public sealed class InvalidApiRequestException(string field, string problem) : TalosException($"{field}: {problem}")
{
    /// <summary>The request field (proto name).</summary>
    public string Field { get; } = field;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
