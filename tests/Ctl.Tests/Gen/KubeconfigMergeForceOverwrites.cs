using Talos.Ctl.Gen;

namespace Talos.Ctl.Tests.Gen;

public sealed class KubeconfigMergeForceOverwrites
{
    private static readonly SecretsBundle Bundle = SecretsBundle.Generate(GenHarness.Pki(41));

    private static string Render(long seed) => AdminKubeconfig.Render(Bundle, "c", "https://10.0.0.10:6443", GenHarness.Pki(seed));

    [Fact]
    public void With_force_a_clashing_user_is_replaced_in_place_instead_of_renamed()
    {
        var first = KubeconfigMerge.Merge("", Render(1)).Yaml;
        var forced = KubeconfigMerge.Merge(first, Render(2), overwrite: true);
        Assert.Empty(forced.Renames);
        Assert.Equal(KubeconfigMerge.Merge("", Render(2)).Yaml, forced.Yaml);
        var renamed = KubeconfigMerge.Merge(first, Render(2));
        Assert.Contains(new KubeconfigRename("user", "admin@c", "admin@c-1"), renamed.Renames);
    }
}
