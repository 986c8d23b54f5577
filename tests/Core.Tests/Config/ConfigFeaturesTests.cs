using Talos.Core.Config;
using Talos.Core.Tests.ConfigTests;

namespace Talos.Core.Tests.Config;

public class ConfigFeaturesTests
{
    private static readonly string Plain = Samples.ControlPlane
        .Replace("  upgrade:\n    tries: 3\n    healthDeadline: 5m\n", "")
        .Replace("audit:\n  connectionString: Host=127.0.0.1;Database=fleet;Username=talos\n  schema: talos_audit", "");

    [Fact]
    public void A_plain_config_uses_only_v1alpha1_and_each_extra_part_adds_its_feature()
    {
        Assert.Equal([ConfigFeatures.V1Alpha1], ConfigFeatures.Of(MachineConfig.Parse(Plain)));
        Assert.Equal([ConfigFeatures.V1Alpha1, ConfigFeatures.MachineUpgrade, ConfigFeatures.Audit], ConfigFeatures.Of(MachineConfig.Parse(Samples.ControlPlane)));
        var withHostname = MachineConfig.Parse(Plain.Replace("    hostname: node1\n", "") + "\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: node9\n");
        Assert.Equal([ConfigFeatures.V1Alpha1, ConfigFeatures.HostnameConfig], ConfigFeatures.Of(withHostname));
        Assert.Equal([ConfigFeatures.HostnameConfig], ConfigFeatures.Missing(withHostname, [ConfigFeatures.V1Alpha1]));
        Assert.Empty(ConfigFeatures.Missing(withHostname, ConfigFeatures.All));
    }
}
