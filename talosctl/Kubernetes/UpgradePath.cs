using Talos.Core.Kubernetes;

namespace Talos.Ctl.Kubernetes;

/// <summary>
/// Kubernetes' version skew rules as upgrade-k8s applies them (upstream's <c>upgrade.Path</c> plus the kubelet rules
/// of the Kubernetes version skew policy):
/// <list type="bullet">
/// <item>control-plane components move one minor at a time: same major, and the target minor is the current one
/// (any patch, so a patch-level downgrade is allowed) or the next one; a minor downgrade is refused;</item>
/// <item>the kubelet (and kube-proxy) must not be newer than kube-apiserver;</item>
/// <item>the kubelet (and kube-proxy) may be at most <see cref="MaxKubeletLag"/> minors older than kube-apiserver.</item>
/// </list>
/// </summary>
public static class UpgradePath
{
    /// <summary>How many minors a kubelet may lag behind kube-apiserver (Kubernetes ≥ 1.28 policy).</summary>
    public const int MaxKubeletLag = 3;

    /// <summary>Null when <paramref name="from"/> → <paramref name="to"/> is a supported control-plane step, else why not.</summary>
    public static string? ControlPlaneProblem(KubeVersion from, KubeVersion to)
    {
        var path = $"unsupported upgrade path {from.Major}.{from.Minor} -> {to.Major}.{to.Minor} (from \"{from}\" to \"{to}\")";
        if (from.Major != to.Major) return $"{path}: the major version cannot change";
        if (to.Minor < from.Minor) return $"{path}: downgrading to an older minor version is not supported";
        if (to.Minor > from.Minor + 1)
            return $"{path}: Kubernetes upgrades one minor version at a time; upgrade to {from.Major}.{from.Minor + 1} first";
        return null;
    }

    /// <summary>Null when a kubelet at <paramref name="kubelet"/> may run with kube-apiserver at <paramref name="apiServer"/>.</summary>
    public static string? KubeletProblem(string component, KubeVersion kubelet, KubeVersion apiServer)
    {
        if (kubelet > apiServer)
            return $"{component} is at {kubelet}, newer than kube-apiserver {apiServer}: {component} must not be newer than the API server";
        if (kubelet.Major != apiServer.Major || apiServer.Minor - kubelet.Minor > MaxKubeletLag)
            return $"{component} is at {kubelet}, more than {MaxKubeletLag} minor versions older than kube-apiserver {apiServer}";
        return null;
    }
}
