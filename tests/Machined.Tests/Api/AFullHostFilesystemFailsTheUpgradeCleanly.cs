using System.Diagnostics;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using Talos.Machined.Tests.Runtime;
using Talos.Partitions.Devices;
using static Talos.Machined.Tests.Api.UpgradesAreValidatedBeforeAnythingStops;
using UpgradeRequest = Talos.Api.Machine.UpgradeRequest;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Issue 22.6 with a real full filesystem: the node's disk image lives on a small tmpfs mounted for the test. After the
/// install every byte of the image is allocated except slot B (punched back to a hole, it holds zeros), and a filler
/// file takes the rest of the tmpfs, so the upgrade's first slot write gets the kernel's ENOSPC while META and STATE
/// (allocated) still take their records. The upgrade fails with an event saying the host is full, and the node runs
/// on its confirmed slot with its services (issue 20.1).
/// </summary>
public sealed class AFullHostFilesystemFailsTheUpgradeCleanly
{
    [Fact]
    public async Task An_upgrade_whose_slot_write_meets_a_full_host_filesystem_fails_and_the_node_runs_on_slot_A()
    {
        var mount = Directory.CreateTempSubdirectory("talos-enospc-").FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=300m", "tmpfs", mount);
        try
        {
            var path = Path.Combine(mount, "disk.img");
            var disk = FileBlockDevice.Create(path, 256L << 20);
            await using var h = await NodeApiHarness.StartAsync("127.0.33.1", seed: 331, fixture: await RuntimeFixture.CreateAsync(disk));
            await h.InstallAsync();
            var slotB = h.Node.Disk.Slot(Slot.B);
            Run("fallocate", "-l", (256L << 20).ToString(), path);
            Run("fallocate", "--punch-hole", "--keep-size", "-o", slotB.Start.ToString(), "-l", slotB.Length.ToString(), path);
            FillUp(Path.Combine(mount, "filler"));

            var running = RunningServices(h.Node.Services);
            using var admin = h.As(Roles.Admin);
            var actor = (await new MachineService.MachineServiceClient(admin).UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2, Preserve = true })).Messages[0].ActorId;

            var restored = await FailedOperationsLeaveTheNodeRunning.RestoredAsync(h, actor);
            Assert.Equal("writeInactiveSlot", restored.Task);
            Assert.Contains("the host is out of disk space", restored.Message);
            Assert.Contains("No space left on device", restored.Message);
            var failed = h.Node.Journal.ReadAll().Last(e => e.ActorId == actor && e.SequenceFailed is not null).SequenceFailed;
            Assert.Contains("the host is out of disk space", failed.Message);
            Assert.Equal(running, RunningServices(h.Node.Services));
            Assert.Equal(Slot.A, h.Node.State.BootedSlot);
            Assert.True(h.Node.State.SlotA.Successful);
            Assert.False(h.Node.State.SlotB.HasImage);
            await h.StopAsync();
        }
        finally
        {
            Run("umount", "-l", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    /// <summary>Writes zeros until the filesystem refuses with ENOSPC: 1 MiB at a time, then page by page.</summary>
    private static void FillUp(string path)
    {
        using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        foreach (var size in new[] { 1 << 20, 4096 })
        {
            var chunk = new byte[size];
            Array.Fill(chunk, (byte)1);
            try { while (true) { f.Write(chunk); f.Flush(); } }
            catch (IOException e) when (HostDiskFullException.IsDiskFull(e)) { }
        }
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err} (this test mounts a tmpfs: it needs root)");
    }
}
