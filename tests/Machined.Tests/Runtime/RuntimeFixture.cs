using System.Text;
using Talos.Machined.Runtime;
using Talos.Partitions.Devices;
using Talos.Partitions.Gpt;
using Talos.Sequencer.Locking;
using Talos.Upgrade.Images;

namespace Talos.Machined.Tests.Runtime;

/// <summary>A node over a 256 MiB disk with a local image store holding installer images of every profile.</summary>
public sealed class RuntimeFixture : IAsyncDisposable
{
    public const string Healthy1 = "ghcr.io/siderolabs/installer:v1.9.0";
    public const string Healthy2 = "ghcr.io/siderolabs/installer:v1.9.1";
    public const string Healthy3 = "ghcr.io/siderolabs/installer:v1.9.2";
    public const string KubeletBad = "ghcr.io/siderolabs/installer:v1.9.1-kubelet-never-healthy";
    public const string Panics = "ghcr.io/siderolabs/installer:v1.9.1-panic-before-machined";
    public const string Hangs = "ghcr.io/siderolabs/installer:v1.9.1-boot-hangs";
    public const string MachinedFails = "ghcr.io/siderolabs/installer:v1.9.1-machined-fails-at-boot";
    /// <summary>An older image that declares it reads only the v1alpha1 document (no extension sections).</summary>
    public const string OldReader = "ghcr.io/siderolabs/installer:v1.8.0-old-reader";

    private readonly string _dir = Directory.CreateTempSubdirectory("talos-runtime-").FullName;
    public IBlockDevice Disk { get; }
    public LocalLayoutStore Store { get; }
    public List<string> Log { get; } = new();

    private RuntimeFixture(IBlockDevice disk)
    {
        Disk = disk;
        Store = new LocalLayoutStore(Path.Combine(_dir, "images"));
    }

    public static async Task<RuntimeFixture> CreateAsync(IBlockDevice? disk = null)
    {
        var f = new RuntimeFixture(disk ?? new MemoryBlockDevice(256L << 20));
        var b = new InstallerImageBuilder(f.Store);
        ulong seed = 1;
        foreach (var (r, profile) in new[]
                 {
                     (Healthy1, "healthy"), (Healthy2, "healthy"), (Healthy3, "healthy"), (KubeletBad, "kubelet-never-healthy"),
                     (Panics, "panic-before-machined"), (Hangs, "boot-hangs"), (MachinedFails, "machined-fails-at-boot"),
                 })
        {
            var reference = ImageReference.Parse(r);
            var version = reference.Tag!.Split('-')[0];
            await b.BuildGeneratedAsync(reference, new InstallerConfig(version, "amd64", profile), 1 << 20, seed++, CancellationToken.None);
        }
        await b.BuildGeneratedAsync(ImageReference.Parse(OldReader), new InstallerConfig("v1.8.0", "amd64", "healthy", [Talos.Core.Config.ConfigFeatures.V1Alpha1]), 1 << 20, seed, CancellationToken.None);
        return f;
    }

    public NodeRuntime NewNode(TimeSpan? healthDeadline = null, HttpClient? http = null) => new(new NodeRuntimeOptions
    {
        Http = http,
        Disk = Disk,
        DiskName = "test.img",
        Address = "127.0.0.10",
        Images = Store,
        Guids = new SeededGuidSource(7),
        Ids = new SequentialIdSource("op"),
        HealthDeadline = healthDeadline ?? TimeSpan.FromSeconds(2),
        Log = l => { lock (Log) Log.Add(l); },
    });

    public static byte[] Config(string image = Healthy1, string type = "controlplane", int tries = 3) =>
        Encoding.UTF8.GetBytes(Talos.Tests.Shared.TestMachineConfig.Yaml(image, type, tries: tries));

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Disk.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
