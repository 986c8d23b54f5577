using System.Text;
using Talos.Partitions.Devices;
using Talos.Sequencer.Model;
using Talos.Sequencer.Running;
using Talos.Sequencer.Sequences;

namespace Talos.Sequencer.Tests.Support;

/// <summary>
/// Real, small task implementations over a block device. Each disk task (DiskEffect != "none") owns a region of
/// two sectors and stamps it with its name, one sector write at a time (so a crash can tear it); a compensation
/// task zeroes the region of the task it compensates. Volatile tasks (services, mounts) only change an in-memory
/// set that a power loss discards. reboot/shutdown return Reboot/PowerOff.
/// </summary>
public sealed class DiskTaskCatalog : ITaskCatalog
{
    private static readonly string[] Names = TaskDirectory.All.Keys.Order(StringComparer.Ordinal).ToArray();
    private readonly IBlockDevice _device;

    public DiskTaskCatalog(IBlockDevice device) => _device = device;

    /// <summary>Tasks run so far (name, attempt), in order.</summary>
    public List<(string Task, int Attempt)> Runs { get; } = [];

    /// <summary>Volatile state: services/mounts "up". Lost on power loss (a new catalog is made).</summary>
    public HashSet<string> Volatile { get; } = [];

    /// <summary>Optional hook awaited before each task (to block, fail, or observe).</summary>
    public Func<TaskContext, CancellationToken, Task>? Before { get; set; }

    /// <summary>Names of tasks that throw when run.</summary>
    public HashSet<string> Failing { get; } = [];

    public ITask? Find(string name) => TaskDirectory.Find(name) is null ? null : new Impl(this, name);

    /// <summary>Byte offset of the region of <paramref name="task"/>.</summary>
    public long RegionOffset(string task) => Array.IndexOf(Names, task) * 2L * _device.SectorSize;

    /// <summary>Required device length for every region.</summary>
    public static long RequiredLength(int sectorSize) => Names.Length * 2L * sectorSize;

    public enum RegionState { Zero, Stamped, Torn }

    public RegionState Region(string task)
    {
        var buf = new byte[_device.SectorSize * 2];
        _device.Read(RegionOffset(task), buf);
        var stamp = Stamp(task);
        var first = buf.AsSpan(0, _device.SectorSize);
        var second = buf.AsSpan(_device.SectorSize);
        bool zero(Span<byte> s) => !s.ContainsAnyExcept((byte)0);
        if (zero(first) && zero(second)) return RegionState.Zero;
        if (first.SequenceEqual(stamp) && second.SequenceEqual(stamp)) return RegionState.Stamped;
        return RegionState.Torn;
    }

    private byte[] Stamp(string task)
    {
        var s = new byte[_device.SectorSize];
        Encoding.ASCII.GetBytes("TASK:" + task).CopyTo(s, 0);
        return s;
    }

    private sealed class Impl(DiskTaskCatalog owner, string name) : ITask
    {
        public async ValueTask<TaskOutcome> RunAsync(TaskContext context, CancellationToken ct)
        {
            // Quick tasks ignore cancellation (as most upstream tasks do); the runner checks between phases.
            if (owner.Before is { } before) await before(context, ct);
            lock (owner.Runs) owner.Runs.Add((name, context.Attempt));
            if (owner.Failing.Contains(name)) throw new IOException($"{name}: injected failure");
            var d = TaskDirectory.All[name];
            var compensates = TaskDirectory.All.Values.FirstOrDefault(t => t.Recovery is TaskRecovery.Compensate c && c.CompensationTask == name);
            if (compensates is not null)
            {
                var zero = new byte[owner._device.SectorSize];
                owner._device.Write(owner.RegionOffset(compensates.Name), zero);
                owner._device.Write(owner.RegionOffset(compensates.Name) + owner._device.SectorSize, zero);
                owner._device.Flush();
            }
            else if (d.DiskEffect != "none")
            {
                var stamp = owner.Stamp(name);
                owner._device.Write(owner.RegionOffset(name), stamp);
                owner._device.Write(owner.RegionOffset(name) + owner._device.SectorSize, stamp);
                owner._device.Flush();
            }
            else
            {
                lock (owner.Volatile) owner.Volatile.Add(name);
            }
            return name switch
            {
                "reboot" or "resetSystemDiskPartitions" => TaskOutcome.Reboot,
                "shutdown" => TaskOutcome.PowerOff,
                _ => TaskOutcome.Continue,
            };
        }
    }
}
