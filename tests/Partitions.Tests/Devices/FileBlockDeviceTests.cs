using System.Diagnostics;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Tests.Devices;

public sealed class FileBlockDeviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("talos-fbd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void CreateMakesASparseImageOfTheRequestedSize()
    {
        var path = PathOf("disk.img");
        using (var d = FileBlockDevice.Create(path, 256L << 20))
        {
            Assert.Equal(256L << 20, d.Length);
            Assert.False(d.IsBlockDevice);
        }
        Assert.Equal(256L << 20, new FileInfo(path).Length);
        var du = Process.Start(new ProcessStartInfo("du", ["-k", path]) { RedirectStandardOutput = true })!;
        var allocatedKiB = long.Parse(du.StandardOutput.ReadToEnd().Split('\t')[0]);
        du.WaitForExit();
        Assert.True(allocatedKiB < 1024, $"image allocates {allocatedKiB} KiB: not sparse");
    }

    [Fact]
    public void WrittenBytesReadBackAfterReopenWithBothSectorSizes()
    {
        foreach (var ss in new[] { 512, 4096 })
        {
            var path = PathOf($"rw{ss}.img");
            var data = Enumerable.Range(0, 3 * ss).Select(i => (byte)(i * 7)).ToArray();
            using (var d = FileBlockDevice.Create(path, 1 << 20, ss))
            {
                d.Write(5L * ss, data);
                d.Flush();
                Assert.Equal(1, d.FlushCount);
            }
            using var r = FileBlockDevice.Open(path, ss);
            var back = new byte[3 * ss];
            r.Read(5L * ss, back);
            Assert.Equal(data, back);
            Assert.Equal(ss, r.SectorSize);
        }
    }

    [Fact]
    public void ASecondOpenerGetsAClearLockError()
    {
        var path = PathOf("locked.img");
        using var first = FileBlockDevice.Create(path, 1 << 20);
        var ex = Assert.Throws<DeviceLockedException>(() => FileBlockDevice.Open(path));
        Assert.Contains("locked by another process", ex.Message);
        Assert.Equal(path, ex.Path);
        first.Dispose();
        using var second = FileBlockDevice.Open(path); // lock released with the descriptor
        Assert.Equal(1 << 20, second.Length);
    }

    [Fact]
    public void AnotherProcessCannotLockTheDiskWhileItIsOpen()
    {
        var path = PathOf("proc.img");
        using var d = FileBlockDevice.Create(path, 1 << 20);
        var p = Process.Start(new ProcessStartInfo("flock", ["-n", "-x", path, "true"]) { RedirectStandardError = true })!;
        p.WaitForExit();
        Assert.NotEqual(0, p.ExitCode);
        d.Dispose();
        var q = Process.Start("flock", ["-n", "-x", path, "true"]);
        q.WaitForExit();
        Assert.Equal(0, q.ExitCode);
    }

    [Fact]
    public void CreateRefusesToReplaceAnExistingDiskAndBadIoIsRefused()
    {
        var path = PathOf("exists.img");
        File.WriteAllBytes(path, new byte[4096]);
        Assert.Throws<IOException>(() => FileBlockDevice.Create(path, 1 << 20));
        Assert.Equal(4096, new FileInfo(path).Length);
        using var d = FileBlockDevice.Open(path);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Write(100, new byte[512]));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Write(0, new byte[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(4096, new byte[512]));
        Assert.Throws<FileNotFoundException>(() => FileBlockDevice.Open(PathOf("missing.img")));
    }

    [Fact]
    public void ATruncatedImageIsRefusedWithTheReason()
    {
        var path = PathOf("odd.img");
        File.WriteAllBytes(path, new byte[1000]);
        var ex = Assert.Throws<InvalidDataException>(() => FileBlockDevice.Open(path));
        Assert.Contains("not a multiple of the sector size", ex.Message);
    }

    [Fact]
    public void ResizeGrowsTheImageKeepingItsContent()
    {
        var path = PathOf("grow.img");
        using var d = FileBlockDevice.Create(path, 1 << 20);
        d.Write(0, Enumerable.Repeat((byte)9, 512).ToArray());
        d.Resize(4 << 20);
        Assert.Equal(4 << 20, d.Length);
        var b = new byte[512];
        d.Read(0, b);
        Assert.All(b, x => Assert.Equal(9, x));
        d.Write((4 << 20) - 512, b);
        Assert.Equal(4 << 20, new FileInfo(path).Length);
    }
}
