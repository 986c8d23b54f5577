using Google.Protobuf;
using Talos.Api.Events;
using Talos.Core.Events;
using Talos.Partitions.Meta;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>
    /// Damage in the middle of META found by this power-on's open (issue #22), else null. The node boots from the records
    /// before and after the damage; what the damaged records said (possibly boot decisions) is unknown, so the damage is
    /// reported as an unmet MachineStatus condition and on the console until the next power-on.
    /// </summary>
    public LogDamage? MetaDamage { get; private set; }

    // The repair event of a damaged log: it follows the highest sequence seen (nothing reused) and carries the damaged
    // range, bytes and hashes, with a quarantine copy of the damaged bytes.
    private LogEntry DamageRepairEvent(RecoveryReport r, LogDamage d)
    {
        var e = NodeEvents.Create(d.LastSequence + 1, _o.Time, "", "", x => x.LogRepaired = new LogRepaired
        {
            LastGoodSequence = r.LastValidSequence,
            RecordsDropped = 0,
            Reason = $"{r.Reason}: {d.Describe()}",
            DamagedFromSequence = d.FromSequence,
            DamagedToSequence = d.ToSequence,
            DamagedOffset = (ulong)d.Offset,
            DamagedLength = (ulong)d.Length,
            DamagedSha256 = Convert.ToHexStringLower(d.Sha256),
            LastGoodHash = Convert.ToHexStringLower(d.LastGoodHash),
            LostLastHash = Convert.ToHexStringLower(d.LostLastHash),
            ResumedAtSequence = d.ResumedAtSequence,
            DamagedBytes = ByteString.CopyFrom(d.Excerpt),
        });
        return new LogEntry(EventCodec.TypeCode(e), EventCodec.Encode(e));
    }

    private void ReportMetaDamage()
    {
        MetaDamage = _meta?.Recovery.Damage;
        if (MetaDamage is not { } d) return;
        Kernel.Kern("err", $"[talos] META: {d.Describe()}");
        Kernel.Kern("err", $"[talos] META: the boot decision uses the records before and after the damage; what {d.Range} recorded " +
            "(boot attempts, confirmations, rollbacks) is unknown. Capture the disk and run `talosctl audit verify --disk <image>`.");
    }

    /// <summary>The unmet MachineStatus condition for <see cref="MetaDamage"/>, or null.</summary>
    internal string? MetaDamageCondition => MetaDamage is { } d
        ? $"META history damaged: {d.Range} could not be read (records after them were kept); boot decisions they held are unknown"
        : null;
}
