using Talos.Partitions.Devices;
using Talos.Sequencer.Journal;
using Talos.Sequencer.Running;

namespace Talos.Sequencer.Tests.Support;

/// <summary>Thrown at the simulated instant of power loss, and by every durable operation after it.</summary>
public sealed class PowerLostException() : Exception("power lost"), IPowerLossException;

/// <summary>
/// Fault model: every durable operation (one journal append, one sector-aligned device write) ticks the switch.
/// When armed at k, the k-th operation does not happen and the switch turns off; every later operation throws too,
/// so nothing after the crash point becomes durable. Operations before it are fully durable (the journal is
/// durable on return; the memory device has no volatile cache).
/// </summary>
public sealed class PowerSwitch
{
    private readonly Lock _gate = new();
    private long _crashAt = long.MaxValue;

    /// <summary>Operations performed (successfully) so far.</summary>
    public long Count { get; private set; }

    /// <summary>True after the crash.</summary>
    public bool Off { get; private set; }

    /// <summary>Crash at the k-th operation from now (1-based).</summary>
    public void ArmAt(long k)
    {
        lock (_gate) { _crashAt = Count + k; }
    }

    /// <summary>Called before each durable operation.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            if (Off) throw new PowerLostException();
            if (Count + 1 == _crashAt) { Off = true; throw new PowerLostException(); }
            Count++;
        }
    }

    /// <summary>Power comes back: a fresh switch over the same durable media.</summary>
    public void Restore()
    {
        lock (_gate) { Off = false; _crashAt = long.MaxValue; }
    }
}

/// <summary>A journal whose appends tick the switch before becoming durable.</summary>
public sealed class SwitchedJournal(ISequenceJournal inner, PowerSwitch power) : ISequenceJournal
{
    /// <inheritdoc />
    public ValueTask AppendAsync(JournalEvent e, CancellationToken ct)
    {
        power.Tick();
        return inner.AppendAsync(e, ct);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JournalEvent>> ReadAllAsync(CancellationToken ct) => inner.ReadAllAsync(ct);
}

/// <summary>A device whose writes tick the switch.</summary>
public sealed class SwitchedDevice(IBlockDevice inner, PowerSwitch power) : IBlockDevice
{
    public int SectorSize => inner.SectorSize;
    public long Length => inner.Length;
    public void Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);
    public void Write(long offset, ReadOnlySpan<byte> data) { power.Tick(); inner.Write(offset, data); }
    public void Flush() => inner.Flush();
    public void Dispose() { }
}
