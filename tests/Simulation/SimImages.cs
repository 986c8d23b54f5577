using System.Text;
using Talos.Upgrade.Images;

namespace Talos.Simulation.Tests;

/// <summary>
/// The installer images every simulated node pulls from: small generated payloads (64 KiB) of every service
/// profile, built once per test process into a temporary local store (read-only afterwards, shared by nodes).
/// </summary>
public sealed class SimImages
{
    public const string Healthy1 = "ghcr.io/siderolabs/installer:v1.9.0";
    public const string Healthy2 = "ghcr.io/siderolabs/installer:v1.9.1";
    public const string Healthy3 = "ghcr.io/siderolabs/installer:v1.9.2";
    public const string KubeletBad = "ghcr.io/siderolabs/installer:v1.9.1-kubelet-never-healthy";
    public const string Panics = "ghcr.io/siderolabs/installer:v1.9.1-panic-before-machined";
    public const string Hangs = "ghcr.io/siderolabs/installer:v1.9.1-boot-hangs";
    public const string MachinedFails = "ghcr.io/siderolabs/installer:v1.9.1-machined-fails-at-boot";

    /// <summary>Images that pass the health gate.</summary>
    public static readonly IReadOnlyList<string> Good = [Healthy1, Healthy2, Healthy3];

    /// <summary>Images that can never be confirmed (the node must roll back by itself).</summary>
    public static readonly IReadOnlyList<string> Faulty = [KubeletBad, Panics, Hangs, MachinedFails];

    private static readonly Lazy<Task<SimImages>> Shared = new(() => BuildAsync(64 << 10));

    private SimImages(LocalLayoutStore store)
    {
        Store = store;
        Registry = new HttpClient(new FlakyRegistry(store));
    }

    /// <summary>Images whose download breaks half way (<see cref="FlakyRegistry"/>): upgrades to them must fail harmlessly.</summary>
    public static readonly IReadOnlyList<string> BrokenSource = [FlakyRegistry.Reference(Healthy2), FlakyRegistry.Reference(Healthy3)];

    /// <summary>The local image store.</summary>
    public LocalLayoutStore Store { get; }

    /// <summary>HTTP client whose only "registry" is the in-memory <see cref="FlakyRegistry"/>.</summary>
    public HttpClient Registry { get; }

    /// <summary>The process-wide image set.</summary>
    public static Task<SimImages> GetAsync() => Shared.Value;

    private static async Task<SimImages> BuildAsync(long size)
    {
        var dir = Directory.CreateTempSubdirectory("talos-sim-images-").FullName;
        var images = new SimImages(new LocalLayoutStore(dir));
        var b = new InstallerImageBuilder(images.Store);
        ulong seed = 1;
        foreach (var (r, profile) in new[]
                 {
                     (Healthy1, "healthy"), (Healthy2, "healthy"), (Healthy3, "healthy"), (KubeletBad, "kubelet-never-healthy"),
                     (Panics, "panic-before-machined"), (Hangs, "boot-hangs"), (MachinedFails, "machined-fails-at-boot"),
                 })
        {
            var reference = ImageReference.Parse(r);
            await b.BuildGeneratedAsync(reference, new InstallerConfig(reference.Tag!.Split('-')[0], "amd64", profile), size, seed++, CancellationToken.None);
        }
        return images;
    }

    /// <summary>A machine config; <paramref name="hostname"/> makes variants with different digests.</summary>
    public static byte[] Config(string hostname = "node1", string image = Healthy1, int tries = 3) =>
        Encoding.UTF8.GetBytes(Talos.Tests.Shared.TestMachineConfig.Yaml(image, hostname: hostname, tries: tries));
}
