namespace Talos.Core.Tests.ConfigTests;

internal static class Samples
{
    public const string ControlPlane = """
        version: v1alpha1
        debug: false
        persist: true
        machine:
          type: controlplane
          token: abcdef.0123456789abcdef
          ca:
            crt: Y3J0
            key: a2V5
          certSANs:
            - 10.5.0.2
            - node1.example.com
          install:
            disk: /dev/sda
            image: ghcr.io/siderolabs/installer:v1.10.2
            wipe: false
            extraKernelArgs:
              - console=ttyS0
          upgrade:
            tries: 3
            healthDeadline: 5m
          kubelet:
            image: ghcr.io/siderolabs/kubelet:v1.33.0
            extraArgs:
              rotate-server-certificates: "true"
          network:
            hostname: node1
            interfaces:
              - interface: eth0
                addresses:
                  - 10.5.0.2/24
                routes:
                  - network: 0.0.0.0/0
                    gateway: 10.5.0.1
          registries:
            mirrors:
              docker.io:
                endpoints:
                  - http://127.0.0.1:5000
          features:
            rbac: true
          sysctls:
            net.ipv4.ip_forward: "1"
        cluster:
          id: aWQ=
          secret: c2VjcmV0
          clusterName: demo
          controlPlane:
            endpoint: https://10.5.0.2:6443
          network:
            dnsDomain: cluster.local
            podSubnets:
              - 10.244.0.0/16
            serviceSubnets:
              - 10.96.0.0/12
          token: abcdef.0123456789abcdef
          ca:
            crt: Y3J0
            key: a2V5
          etcd:
            ca:
              crt: Y3J0
              key: a2V5
        audit:
          connectionString: Host=127.0.0.1;Database=fleet;Username=talos
          schema: talos_audit
        """;
}
