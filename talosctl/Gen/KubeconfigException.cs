using Talos.Core.Errors;

namespace Talos.Ctl.Gen;

/// <summary>A kubeconfig could not be read or merged; nothing was written.</summary>
public sealed class KubeconfigException(string problem)
    : TalosException($"invalid kubeconfig: {problem}; fix or move the file, or pass --force to overwrite it")
{
    /// <summary>What is wrong.</summary>
    public string Problem { get; } = problem;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
