using Talos.Upgrade.Images;

namespace Talos.Upgrade.Tests.Images;

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    private static int _counter;
    public TempDir(string name)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"talos-upg-{Environment.ProcessId}-{name}-{Interlocked.Increment(ref _counter)}");
        if (Directory.Exists(Path)) Directory.Delete(Path, true);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

internal static class ImageTestSupport
{
    public static readonly ImageReference V190 = ImageReference.Parse("ghcr.io/siderolabs/installer:v1.9.0");

    public static Task<InstallerImage> BuildAsync(LocalLayoutStore store, ImageReference r, string profile = "healthy", long size = 100_000, ulong seed = 7) =>
        new InstallerImageBuilder(store).BuildGeneratedAsync(r, new InstallerConfig(r.Tag!, "amd64", profile), size, seed, CancellationToken.None);
}
