using Talos.Core.Config;
using Talos.Core.Errors;

namespace Talos.Core.Tests.ConfigTests;

public sealed class MachineConfigTests
{
    [Fact]
    public void Sample_parses_validates_and_exposes_typed_fields()
    {
        var c = MachineConfig.Parse(Samples.ControlPlane);
        Assert.True(c.Validate().IsValid, string.Join("; ", c.Validate().Errors));
        Assert.Equal("controlplane", c.Machine!.Type);
        Assert.Equal("/dev/sda", c.Machine.Install!.Disk);
        Assert.Equal(3, c.Machine.Upgrade!.EffectiveTries);
        Assert.Equal(TimeSpan.FromMinutes(5), c.Machine.Upgrade.EffectiveHealthDeadline);
        Assert.Equal(["http://127.0.0.1:5000"], c.Machine.Registries!.Mirrors["docker.io"].Endpoints);
        Assert.Equal("true", c.Machine.Kubelet!.ExtraArgs["rotate-server-certificates"]);
        Assert.Equal("talos_audit", c.Audit!.EffectiveSchema);
        Assert.Equal("https://10.5.0.2:6443", c.Cluster!.ControlPlane!.Endpoint);
    }

    [Fact]
    public void Canonical_yaml_round_trips_and_digest_is_stable()
    {
        var c = MachineConfig.Parse(Samples.ControlPlane);
        var again = MachineConfig.Parse(c.ToYaml());
        Assert.Equal(c, again);
        Assert.Equal(c.ToYaml(), again.ToYaml());
        Assert.Equal(c.Digest, again.Digest);
        Assert.Equal(64, c.Digest.Length);
        // Strings that YAML would read as other types are quoted in canonical output.
        Assert.Contains("rotate-server-certificates: \"true\"", c.ToYaml());
        Assert.Contains("net.ipv4.ip_forward: \"1\"", c.ToYaml());
    }

    [Fact]
    public void Unknown_fields_are_all_reported_with_line_numbers()
    {
        var yaml = Samples.ControlPlane.Replace("  install:\n", "  install:\n    bogus: 1\n").Replace("cluster:\n", "cluster:\n  alsoBogus: x\n");
        var ex = Assert.Throws<ConfigParseException>(() => MachineConfig.Parse(yaml));
        Assert.Equal(2, ex.Issues.Count);
        Assert.Equal(new ConfigIssue(14, 5, "machine.install.bogus", "unknown field \"bogus\""), ex.Issues[0]);
        Assert.Equal("cluster.alsoBogus", ex.Issues[1].Path);
        Assert.True(ex.Issues[1].Line > 40);
        Assert.Contains("line 14, column 5: machine.install.bogus: unknown field \"bogus\"", ex.Message);
    }

    [Fact]
    public void Type_errors_and_syntax_errors_are_parse_errors()
    {
        var ex = Assert.Throws<ConfigParseException>(() => MachineConfig.Parse("version: v1alpha1\ndebug: maybe\nmachine: [1]\n"));
        Assert.Equal(["debug", "machine"], ex.Issues.Select(i => i.Path));
        Assert.Throws<ConfigParseException>(() => MachineConfig.Parse("machine: {\n"));
        Assert.Throws<ConfigParseException>(() => MachineConfig.Parse(""));
        Assert.Contains("unknown document kind",
            Assert.Throws<ConfigParseException>(() => MachineConfig.Parse("version: v1alpha1\n---\napiVersion: v1alpha1\nkind: Nope\n")).Message);
    }

    [Fact]
    public void Multi_document_config_with_hostname_document()
    {
        var yaml = Samples.ControlPlane.Replace("    hostname: node1\n", "") + "\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: node9\n";
        var c = MachineConfig.Parse(yaml);
        Assert.Equal(new HostnameDocument("node9", ""), c.Hostname);
        Assert.Equal(2, c.ToDocuments().Count);
        Assert.Equal(c, MachineConfig.Parse(c.ToYaml()));
        Assert.True(c.Validate().IsValid);
    }

    [Fact]
    public void Validation_reports_all_errors_at_once_in_upstream_wording()
    {
        var c = MachineConfig.Parse("""
            version: v1alpha1
            persist: false
            machine:
              type: worker
              ca:
                key: a2V5
              install:
                extraKernelArgs: [a]
                grubUseUKICmdline: true
              network:
                hostname: -bad-
              upgrade:
                tries: 99
            cluster:
              controlPlane:
                endpoint: not a url
              etcd:
                ca:
                  crt: x
            """);
        var errors = c.Validate().Errors;
        Assert.Equal([
            ".persist should be enabled",
            "issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)",
            "trusted CA certificates are required on non-controlplane nodes (.machine.ca.crt, .machine.acceptedCAs)",
            "etcd config is only allowed on control plane machines",
            "either install disk or diskSelector should be defined",
            "install.extraKernelArgs and install.grubUseUKICmdline can't be used together",
            "\"-bad-\" is not a valid DNS name",
            "machine.upgrade.tries must be between 1 and 15 (got 99) [talos.net extension]",
            "invalid controlplane endpoint: parse \"not a url\": must be an absolute http(s) URL",
        ], errors);
        var ex = Assert.Throws<ConfigValidationException>(() => c.EnsureValid());
        Assert.StartsWith("9 errors occurred:\n\t* .persist should be enabled\n", ex.Message);
    }

    [Fact]
    public void Missing_sections_and_unknown_type()
    {
        var v = MachineConfig.Parse("version: v2\npersist: true\n").Validate();
        Assert.Equal(["invalid config version \"v2\"", "machine instructions are required", "cluster instructions are required"], v.Errors);
        var t = MachineConfig.Parse("version: v1alpha1\npersist: true\nmachine:\n  type: boss\ncluster:\n  clusterName: x\n").Validate();
        Assert.Contains("unknown machine type \"boss\"", t.Errors);
        Assert.Contains("cluster controlplane endpoint is required", t.Errors);
    }

    [Fact]
    public void Changed_paths_lists_leaves_that_differ()
    {
        var a = MachineConfig.Parse(Samples.ControlPlane);
        var b = MachineConfig.Parse(Samples.ControlPlane.Replace("hostname: node1", "hostname: node2").Replace("rbac: true", "rbac: false"));
        Assert.Equal(["machine.features.rbac", "machine.network.hostname"], MachineConfig.ChangedPaths(a, b));
        Assert.Empty(MachineConfig.ChangedPaths(a, a));
    }

    [Fact]
    public void Golden_canonical_yaml_and_digest_of_the_sample()
    {
        const string expected = """
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
            image: "ghcr.io/siderolabs/installer:v1.10.2"
            wipe: false
            extraKernelArgs:
              - console=ttyS0
          upgrade:
            tries: 3
            healthDeadline: 5m
          kubelet:
            image: "ghcr.io/siderolabs/kubelet:v1.33.0"
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
                  - "http://127.0.0.1:5000"
          features:
            rbac: true
          sysctls:
            net.ipv4.ip_forward: "1"
        cluster:
          id: aWQ=
          secret: c2VjcmV0
          clusterName: demo
          controlPlane:
            endpoint: "https://10.5.0.2:6443"
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
          connectionString: "Host=127.0.0.1;Database=fleet;Username=talos"
          schema: talos_audit

        """;
        var c = MachineConfig.Parse(Samples.ControlPlane);
        Assert.Equal(expected, c.ToYaml());
        Assert.Equal("ca6c2dc511d1f12817939404c38ca960a0d56818a5ba31401fb49073c57cb4d9", c.Digest);
    }
}
