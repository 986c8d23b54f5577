using FsCheck;
using FsCheck.Fluent;
using Talos.Core.Config;

namespace Talos.Core.Tests.Support;

/// <summary>Random machine configs whose strings include YAML traps (reserved words, numbers, quotes, newlines).</summary>
internal static class ConfigGen
{
    private static readonly Gen<string> Str = Gen.Elements("", "a", "node-1", "true", "no", "123", "1.5", "0x1F", "null", "~",
        "x: y", "with space", "quote\"d", "new\nline", "#hash", "-dash", "ünï", "[x]", "{a}", "*star", "&amp", "'single'", "tab\there",
        "/dev/sda", "https://10.5.0.2:6443", "10.244.0.0/16", "a\\b");

    private static readonly Gen<bool> B = Gen.Elements(true, false);

    private static Gen<ValueList<T>> List<T>(Gen<T> g) => Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(g, n)).Select(a => new ValueList<T>(a));

    private static Gen<ValueMap<T>> Map<T>(Gen<T> g) => List(Str.Zip(g)).Select(l => new ValueMap<T>(l.Select(t => KeyValuePair.Create(t.Item1, t.Item2))));

    private static Gen<T?> Opt<T>(Gen<T> g) where T : class => Gen.Frequency((1, Gen.Constant<T?>(null)), (3, g.Select(x => (T?)x)));

    private static Gen<CertAndKey> Cert => Str.Zip(Str).Select(t => new CertAndKey(t.Item1, t.Item2));

    private static Gen<InstallConfig> Install =>
        from disk in Str
        from sel in Opt(Str.Zip(Str).Select(t => new InstallDiskSelector(t.Item1, t.Item2, "", "ssd", "")))
        from image in Str
        from wipe in B
        from args in List(Str)
        from uki in B
        select new InstallConfig(disk, sel, image, wipe, args, uki, !uki);

    private static Gen<MachineSection> Machine =>
        from type in Gen.Elements("controlplane", "worker", "init", "true")
        from ca in Opt(Cert)
        from accepted in List(Cert)
        from sans in List(Str)
        from install in Opt(Install)
        from upgrade in Opt(from t in Gen.Choose(-2, 20) from d in Str from keys in List(Str.Select(s => new TrustedKey(s, "ed25519", s))) select new UpgradeConfig(t, d, t % 2 == 0, keys))
        from kubelet in Opt(from i in Str from a in Map(Str) from m in List(Str.Zip(List(Str)).Select(t => new ExtraMount(t.Item1, "bind", t.Item1, t.Item2))) from s in B select new KubeletConfig(i, a, m, s))
        from network in Opt(from h in Str from ifs in List(Str.Zip(List(Str)).Select(t => new InterfaceConfig(t.Item1, t.Item2, ValueList<RouteConfig>.Empty, t.Item1.Length % 2 == 0, 1500))) from ns in List(Str) select new NetworkConfig(h, ifs, ns))
        from regs in Opt(Map(List(Str).Zip(B).Select(t => new RegistryMirror(t.Item1, t.Item2))).Select(m => new RegistriesConfig(m)))
        from feat in Opt(B.Select(b => new FeaturesConfig(b)))
        from sysctls in Map(Str)
        select new MachineSection(type, "tok", ca, accepted, sans, install, upgrade, kubelet, network, regs, feat, null, sysctls);

    private static Gen<ClusterSection> Cluster =>
        from name in Str
        from endpoint in Str
        from net in Opt(from d in Str from p in List(Str) from s in List(Str) from cni in Str select new ClusterNetworkConfig(d, p, s, cni))
        from ca in Opt(Cert)
        from etcd in Opt(Opt(Cert).Select(c => new EtcdConfig(c)))
        from api in Opt(Str.Select(i => new ComponentConfig(i)))
        from cm in Opt(Str.Select(i => new ComponentConfig(i)))
        from proxy in Opt(Str.Select(i => new ComponentConfig(i)))
        from sched in Opt(Str.Select(i => new ComponentConfig(i)))
        select new ClusterSection("id", "secret", name, new ControlPlaneConfig(endpoint), net, "tok", ca, etcd)
        {
            ApiServer = api, ControllerManager = cm, Proxy = proxy, Scheduler = sched,
        };

    public static Gen<MachineConfig> Configs =>
        from debug in B
        from persist in B
        from m in Opt(Machine)
        from c in Opt(Cluster)
        from a in Opt(Str.Zip(Str).Select(t => new AuditConfig(t.Item1, t.Item2)))
        from h in Opt(Str.Zip(Gen.Elements("", "stable")).Select(t => new HostnameDocument(t.Item1, t.Item2)))
        select new MachineConfig(MachineConfig.V1Alpha1, debug, persist, m, c, a, h);

    public static Arbitrary<MachineConfig> Arb => Configs.ToArbitrary();
}
