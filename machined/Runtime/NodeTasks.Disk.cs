using System.Security.Cryptography;
using Talos.Api.Events;
using ApplyMode = Talos.Api.Events.ApplyMode;
using Talos.Sequencer.Requests;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

internal sealed partial class NodeTasks
{
    /// <summary>The boot loader area's descriptor written into EFI (its digest is what forensics compares).</summary>
    internal static readonly byte[] BootloaderDescriptor = System.Text.Encoding.ASCII.GetBytes("TALOS.NET BOOTLOADER v1: boot decision = core BootDecision over the META log\n");

    private void AddDiskTasks()
    {
        // Install: GPT first (its write-ahead records are held in memory: META does not exist yet; a crash here
        // leaves a blank or partial table, which boots the maintenance image again, and the install re-runs).
        Add("partitionDisk", async (c, ct) =>
        {
            // A disk without a Talos table (blank, or zeroed by the compensation of an interrupted install): its old
            // contents are no history of this boot. What the new table will point at is wiped first, so old META and
            // STATE cannot come back with it. A laid-out disk keeps its META (a live log, or one recovery will read).
            if (_node.Journal.Log is null && !_node.Disk.IsLaidOut(out _)) _node.Disk.WipePlannedContents();
            var gpt = _node.Disk.LayOut(_node.Options.Guids);
            var laid = new DiskLaidOut { Disk = _node.Disk.Name, SizeBytes = (ulong)_node.Disk.Device.Length, DiskGuid = gpt.DiskGuid.ToString() };
            laid.Partitions.AddRange(gpt.Partitions.Select(p => new PartitionExtent
            {
                Label = p.Name, TypeGuid = p.TypeGuid.ToString().ToUpperInvariant(), PartitionGuid = p.PartitionGuid.ToString().ToUpperInvariant(),
                FirstLba = (ulong)p.FirstLba, LastLba = (ulong)p.LastLba,
            }));
            await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.DiskLaidOut = laid, ct);
            return TaskOutcome.Continue;
        });
        Add("wipePartitionTable", (c, _) =>
        {
            var dev = _node.Disk.Device;
            var zero = new byte[1 << 20];
            dev.Write(0, zero.AsSpan(0, (int)Math.Min(zero.Length, dev.Length)));
            dev.Write(dev.Length - zero.Length, zero);
            dev.Flush();
            return Ok;
        });
        // Zero META, STATE and EPHEMERAL headers, then open META: from here on every event is durable.
        Add("formatPartitions", async (c, ct) =>
        {
            if (_node.Journal.Log is null)
            {
                foreach (var label in new[] { "META", "STATE", "EPHEMERAL" }) _node.Disk.Wipe(label, full: false);
                await _node.AttachNewMetaAsync(ct);
            }
            if (_node.Pending.Config is { } cfg)
            {
                // Recorded first (write-ahead), then written: a re-run after a power loss no longer has the config bytes
                // (they lived in memory), so a STATE write whose record was lost stayed on the disk as a config the log
                // never mentioned, and later boots ran it (simulation seed 1323).
                await _node.Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.ConfigApplied = NodeRuntime.ConfigAppliedFor(ApplyMode.NoReboot, cfg.Config), ct);
                _node.StateStore.Put(ConfigDocs.Active, cfg.Bytes);
            }
            return TaskOutcome.Continue;
        });
        Add("installBootloader", (c, _) =>
        {
            var efi = _node.Disk.Partition("EFI");
            var block = new byte[efi.SectorSize * ((BootloaderDescriptor.Length + 32 + efi.SectorSize - 1) / efi.SectorSize)];
            BootloaderDescriptor.CopyTo(block, 0);
            SHA256.HashData(BootloaderDescriptor).CopyTo(block, BootloaderDescriptor.Length);
            efi.Write(0, block);
            efi.Flush();
            return Ok;
        });
        Add("mountEphemeralPartition", (c, _) =>
        {
            using var store = _node.Disk.OpenEphemeral();
            _node.Kernel.Talos($"EPHEMERAL mounted ({store.Status}, {store.Names.Count} documents)");
            return Ok;
        });
        Add("writeBootSlot", async (c, ct) =>
        {
            var req = (InstallRequest)c.Request;
            await _node.WriteSlotAsync(c, req.Image, Slot.A, confirmed: null, ct);
            await _node.SetTrialAsync(c, Slot.A, ct);
            return TaskOutcome.Continue;
        });
    }
}
