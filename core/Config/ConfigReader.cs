using Talos.Core.Config.Yaml;

namespace Talos.Core.Config;

/// <summary>Binders from YAML maps to config records; one function per record, keys in schema order.</summary>
internal static class ConfigReader
{
    internal static MachineConfig Root(MapReader r) => new(r.Str("version"), r.Bool("debug"), r.Bool("persist"),
        r.Obj("machine", Machine), r.Obj("cluster", Cluster), r.Obj("audit", Audit), null);

    internal static HostnameDocument Hostname(MapReader r)
    {
        var api = r.Str("apiVersion");
        if (api != "v1alpha1")
            r.Issues.Add(new ConfigIssue(0, 0, "HostnameConfig.apiVersion", $"unsupported apiVersion \"{api}\" (expected v1alpha1)"));
        r.Str("kind");
        return new HostnameDocument(r.Str("hostname"), r.Str("auto"));
    }

    private static MachineSection Machine(MapReader r) => new(r.Str("type"), r.Str("token"), r.Obj("ca", Cert),
        r.Objs("acceptedCAs", Cert), r.Strs("certSANs"), r.Obj("install", Install), r.Obj("upgrade", Upgrade),
        r.Obj("kubelet", Kubelet), r.Obj("network", Network), r.Obj("registries", Registries),
        r.Obj("features", x => new FeaturesConfig(x.Bool("rbac"))),
        r.Obj("time", x => new TimeConfig(x.Bool("disabled"), x.Strs("servers"))), r.StrMap("sysctls"));

    private static CertAndKey Cert(MapReader r) => new(r.Str("crt"), r.Str("key"));

    private static InstallConfig Install(MapReader r) => new(r.Str("disk"),
        r.Obj("diskSelector", x => new InstallDiskSelector(x.Str("size"), x.Str("model"), x.Str("serial"), x.Str("type"), x.Str("wwid"))),
        r.Str("image"), r.Bool("wipe"), r.Strs("extraKernelArgs"), r.Bool("grubUseUKICmdline"), r.Bool("legacyBIOSSupport"));

    private static UpgradeConfig Upgrade(MapReader r) => new(r.Int("tries"), r.Str("healthDeadline"), r.Bool("requireSignature"),
        r.Objs("trustedKeys", x => new TrustedKey(x.Str("keyId"), x.Str("algorithm"), x.Str("publicKey"))));

    private static KubeletConfig Kubelet(MapReader r) => new(r.Str("image"), r.StrMap("extraArgs"),
        r.Objs("extraMounts", x => new ExtraMount(x.Str("destination"), x.Str("type"), x.Str("source"), x.Strs("options"))),
        r.Bool("skipNodeRegistration"));

    private static NetworkConfig Network(MapReader r) => new(r.Str("hostname"), r.Objs("interfaces", Interface), r.Strs("nameservers"));

    private static InterfaceConfig Interface(MapReader r) => new(r.Str("interface"), r.Strs("addresses"),
        r.Objs("routes", x => new RouteConfig(x.Str("network"), x.Str("gateway"), x.Int("metric"))), r.Bool("dhcp"), r.Int("mtu"));

    private static RegistriesConfig Registries(MapReader r) =>
        new(r.ObjMap("mirrors", x => new RegistryMirror(x.Strs("endpoints"), x.Bool("skipFallback"))));

    private static ClusterSection Cluster(MapReader r) => new(r.Str("id"), r.Str("secret"), r.Str("clusterName"),
        r.Obj("controlPlane", x => new ControlPlaneConfig(x.Str("endpoint"))),
        r.Obj("network", x => new ClusterNetworkConfig(x.Str("dnsDomain"), x.Strs("podSubnets"), x.Strs("serviceSubnets"),
            x.Obj("cni", c => new CniHolder(c.Str("name")))?.Name ?? "")),
        r.Str("token"), r.Obj("ca", Cert), r.Obj("etcd", x => new EtcdConfig(x.Obj("ca", Cert))))
    {
        ApiServer = r.Obj("apiServer", Component), ControllerManager = r.Obj("controllerManager", Component),
        Proxy = r.Obj("proxy", Component), Scheduler = r.Obj("scheduler", Component),
    };

    private static ComponentConfig Component(MapReader r) => new(r.Str("image"));

    private static AuditConfig Audit(MapReader r) => new(r.Str("connectionString"), r.Str("schema"));

    private sealed record CniHolder(string Name);
}

/// <summary>Writers from config records to canonical YAML maps (inverse of <see cref="ConfigReader"/>).</summary>
internal static class ConfigWriter
{
    internal static YMap Root(MachineConfig c) => new MapWriter()
        .Str("version", c.Version).Bool("debug", c.Debug, always: true).Bool("persist", c.Persist, always: true)
        .Obj("machine", c.Machine is { } m ? Machine(m) : null)
        .Obj("cluster", c.Cluster is { } k ? Cluster(k) : null)
        .Obj("audit", c.Audit is { } a ? new MapWriter().Str("connectionString", a.ConnectionString).Str("schema", a.Schema).Build() : null)
        .Build();

    internal static YMap Hostname(HostnameDocument h) => new MapWriter()
        .Str("apiVersion", "v1alpha1").Str("kind", "HostnameConfig").Str("hostname", h.Hostname).Str("auto", h.Auto).Build();

    private static YMap Machine(MachineSection m) => new MapWriter()
        .Str("type", m.Type).Str("token", m.Token).Obj("ca", Cert(m.Ca)).Objs("acceptedCAs", m.AcceptedCAs, c => Cert(c)!)
        .Strs("certSANs", m.CertSANs).Obj("install", m.Install is { } i ? Install(i) : null)
        .Obj("upgrade", m.Upgrade is { } u ? Upgrade(u) : null)
        .Obj("kubelet", m.Kubelet is { } k ? Kubelet(k) : null)
        .Obj("network", m.Network is { } n ? Network(n) : null)
        .Obj("registries", m.Registries is { } r
            ? new MapWriter().ObjMap("mirrors", r.Mirrors, x => new MapWriter().Strs("endpoints", x.Endpoints).Bool("skipFallback", x.SkipFallback).Build()).Build()
            : null)
        .Obj("features", m.Features is { } f ? new MapWriter().Bool("rbac", f.Rbac).Build() : null)
        .Obj("time", m.Time is { } t ? new MapWriter().Bool("disabled", t.Disabled).Strs("servers", t.Servers).Build() : null)
        .StrMap("sysctls", m.Sysctls)
        .Build();

    private static YMap? Component(ComponentConfig? c) => c is null ? null : new MapWriter().Str("image", c.Image).Build();

    private static YMap? Cert(CertAndKey? c) => c is null ? null : new MapWriter().Str("crt", c.Crt).Str("key", c.Key).Build();

    private static YMap Install(InstallConfig i) => new MapWriter()
        .Str("disk", i.Disk)
        .Obj("diskSelector", i.DiskSelector is { } s
            ? new MapWriter().Str("size", s.Size).Str("model", s.Model).Str("serial", s.Serial).Str("type", s.Type).Str("wwid", s.Wwid).Build()
            : null)
        .Str("image", i.Image).Bool("wipe", i.Wipe, always: true).Strs("extraKernelArgs", i.ExtraKernelArgs)
        .Bool("grubUseUKICmdline", i.GrubUseUKICmdline).Bool("legacyBIOSSupport", i.LegacyBIOSSupport).Build();

    private static YMap Upgrade(UpgradeConfig u) => new MapWriter()
        .Int("tries", u.Tries).Str("healthDeadline", u.HealthDeadline).Bool("requireSignature", u.RequireSignature)
        .Objs("trustedKeys", u.TrustedKeys, k => new MapWriter().Str("keyId", k.KeyId).Str("algorithm", k.Algorithm).Str("publicKey", k.PublicKey).Build())
        .Build();

    private static YMap Kubelet(KubeletConfig k) => new MapWriter()
        .Str("image", k.Image).StrMap("extraArgs", k.ExtraArgs)
        .Objs("extraMounts", k.ExtraMounts, m => new MapWriter().Str("destination", m.Destination).Str("type", m.Type)
            .Str("source", m.Source).Strs("options", m.Options).Build())
        .Bool("skipNodeRegistration", k.SkipNodeRegistration).Build();

    private static YMap Network(NetworkConfig n) => new MapWriter()
        .Str("hostname", n.Hostname)
        .Objs("interfaces", n.Interfaces, i => new MapWriter().Str("interface", i.Interface).Strs("addresses", i.Addresses)
            .Objs("routes", i.Routes, r => new MapWriter().Str("network", r.Network).Str("gateway", r.Gateway).Int("metric", r.Metric).Build())
            .Bool("dhcp", i.Dhcp).Int("mtu", i.Mtu).Build())
        .Strs("nameservers", n.Nameservers).Build();

    private static YMap Cluster(ClusterSection c) => new MapWriter()
        .Str("id", c.Id).Str("secret", c.Secret).Str("clusterName", c.ClusterName)
        .Obj("controlPlane", c.ControlPlane is { } cp ? new MapWriter().Str("endpoint", cp.Endpoint).Build() : null)
        .Obj("network", c.Network is { } n
            ? new MapWriter().Str("dnsDomain", n.DnsDomain).Strs("podSubnets", n.PodSubnets).Strs("serviceSubnets", n.ServiceSubnets)
                .Obj("cni", n.CniName.Length > 0 ? new MapWriter().Str("name", n.CniName).Build() : null).Build()
            : null)
        .Str("token", c.Token).Obj("ca", Cert(c.Ca))
        .Obj("apiServer", Component(c.ApiServer)).Obj("controllerManager", Component(c.ControllerManager))
        .Obj("proxy", Component(c.Proxy)).Obj("scheduler", Component(c.Scheduler))
        .Obj("etcd", c.Etcd is { } e ? new MapWriter().Obj("ca", Cert(e.Ca)).Build() : null)
        .Build();
}
