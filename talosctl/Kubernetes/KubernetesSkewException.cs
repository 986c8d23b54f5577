using Talos.Core.Errors;

namespace Talos.Ctl.Kubernetes;

/// <summary>upgrade-k8s refused before changing anything: the version skew rules do not allow the upgrade.</summary>
public sealed class KubernetesSkewException(string problem) : TalosException(problem + "; nothing was changed")
{
    /// <summary>Which rule, in words.</summary>
    public string Problem { get; } = problem;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
