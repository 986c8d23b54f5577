using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Common;
using Talos.Machined.Kubernetes;
using K8sAdminKubeconfig = Talos.Core.Kubernetes.AdminKubeconfig;

namespace Talos.Machined.Api;

public sealed partial class NodeMachineService
{
    /// <summary>Chunk size of the Kubeconfig stream (upstream streams files in small chunks too).</summary>
    internal const int KubeconfigChunk = 16 * 1024;

    /// <summary>
    /// Upstream's Kubeconfig: a control-plane node renders an admin kubeconfig for <c>cluster.controlPlane.endpoint</c>
    /// with a fresh client certificate (CN=admin, O=system:masters) signed by the Kubernetes CA of its machine config
    /// (<c>cluster.ca</c>), and streams it as a tar.gz holding <c>kubeconfig</c>. Workers carry no CA key: refused.
    /// </summary>
    public override async Task Kubeconfig(Google.Protobuf.WellKnownTypes.Empty request, IServerStreamWriter<Data> responseStream, ServerCallContext context)
    {
        var config = node.Config ?? throw new Talos.Machined.Runtime.NodeNotReadyException("the node has no machine config, so it has no Kubernetes CA");
        if (config.Machine?.Type is not ("controlplane" or "init")) throw new NotControlPlaneException("kubeconfig", config.Machine?.Type ?? "");
        var cluster = config.Cluster;
        var ca = cluster?.Ca;
        if (ca is null || ca.Crt.Length == 0 || ca.Key.Length == 0)
            throw new InvalidApiRequestException("cluster.ca", "the machine config has no Kubernetes CA certificate and key");
        var endpoint = cluster!.ControlPlane?.Endpoint ?? "";
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var server))
            throw new InvalidApiRequestException("cluster.controlPlane.endpoint", $"\"{endpoint}\" is not an absolute URL");
        var name = cluster.ClusterName.Length > 0 ? cluster.ClusterName : "talos";
        var yaml = K8sAdminKubeconfig.Render(Pem(ca.Crt, "cluster.ca.crt"), Pem(ca.Key, "cluster.ca.key"), name, server, pki);
        var archive = KubeconfigArchive.Pack(yaml, time.GetUtcNow());
        var md = ResponseMetadata.For(context);
        for (var at = 0; at < archive.Length; at += KubeconfigChunk)
        {
            var chunk = ByteString.CopyFrom(archive, at, Math.Min(KubeconfigChunk, archive.Length - at));
            await responseStream.WriteAsync(new Data { Metadata = md, Bytes = chunk }, context.CancellationToken);
        }
    }

    private static string Pem(string base64, string field)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(base64)); }
        catch (FormatException) { throw new InvalidApiRequestException(field, "is not base64 (upstream stores the PEM base64-encoded)"); }
    }
}
