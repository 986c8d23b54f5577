namespace Talos.Tests.Shared;

/// <summary>
/// The one small v1alpha1 machine config the runtime, simulation, integration and benchmark projects install nodes
/// with (linked into each project as source). Placeholder CAs unless a caller passes real base64 PEM.
/// </summary>
internal static class TestMachineConfig
{
    /// <summary>
    /// The YAML; <paramref name="tries"/> null leaves out <c>machine.upgrade</c>; <paramref name="trailer"/> is appended
    /// verbatim after the cluster section (e.g. an <c>audit:</c> section).
    /// </summary>
    public static string Yaml(string image, string type = "controlplane", string hostname = "node1", int? tries = 3,
        string caCrt = "Y3J0", string caKey = "a2V5", string endpoint = "https://127.0.0.10:6443", string clusterName = "demo",
        string trailer = "")
    {
        var upgrade = tries is { } t ? $"\n  upgrade:\n    tries: {t}\n    healthDeadline: 30s" : "";
        return $"""
            version: v1alpha1
            debug: false
            persist: true
            machine:
              type: {type}
              token: abcdef.0123456789abcdef
              ca:
                crt: {caCrt}
                key: {caKey}
              install:
                disk: /dev/sda
                image: {image}
                wipe: false{upgrade}
              network:
                hostname: {hostname}
            cluster:
              id: aWQ=
              secret: c2VjcmV0
              clusterName: {clusterName}
              controlPlane:
                endpoint: {endpoint}
              token: abcdef.0123456789abcdef
              ca:
                crt: Y3J0
                key: a2V5
              etcd:
                ca:
                  crt: Y3J0
                  key: a2V5
            """ + trailer;
    }
}
