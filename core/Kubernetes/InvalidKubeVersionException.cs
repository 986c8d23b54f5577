using Talos.Core.Errors;

namespace Talos.Core.Kubernetes;

/// <summary>A Kubernetes version could not be parsed.</summary>
public sealed class InvalidKubeVersionException(string text)
    : TalosException($"invalid Kubernetes version \"{text}\": expected a release version such as 1.31.0")
{
    /// <summary>The text given.</summary>
    public string Text { get; } = text;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
