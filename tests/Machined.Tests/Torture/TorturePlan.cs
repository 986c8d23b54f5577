using Talos.Machined.Tests.Runtime;

namespace Talos.Machined.Tests.Torture;

/// <summary>An operation the torture drives over the API.</summary>
public enum TortureOp
{
    Upgrade,
    Rollback,
    ResetPreserve,
    ResetFull,
}

/// <summary>
/// When the SIGKILL comes: <see cref="DelayMs"/> after the operation's RPC returned, or when the
/// <see cref="EventNumber"/>-th event of the operation's actor arrives on the Events stream, or when an event of payload
/// <see cref="EventName"/> arrives (if the operation ends without it, the kill comes once it has settled).
/// </summary>
public sealed record KillTrigger(int? DelayMs = null, int? EventNumber = null, string? EventName = null)
{
    public override string ToString() => DelayMs is { } d ? $"after {d} ms" : EventNumber is { } n ? $"at event #{n}" : $"at event {EventName}";
}

/// <summary>One cycle: an operation and the moment it is interrupted.</summary>
public sealed record TortureStep(int Cycle, TortureOp Op, string? Image, KillTrigger Kill)
{
    public override string ToString() => $"cycle {Cycle}: {Op}{(Image is null ? "" : " " + Image)}, SIGKILL {Kill}";
}

/// <summary>The seeded choices of a torture run (everything random comes from the seed; the kill moment also depends on timing).</summary>
public sealed class TorturePlan(int seed)
{
    private static readonly string[] Images = [RuntimeFixture.Healthy1, RuntimeFixture.Healthy2, RuntimeFixture.Healthy3];

    /// <summary>Node events worth dying at, per operation (names of NodeEvent payload cases).</summary>
    private static readonly Dictionary<TortureOp, string[]> Moments = new()
    {
        [TortureOp.Upgrade] = ["ImageWrittenToSlot", "TrialBootSet", "Booted", "HealthCheckResult", "BootConfirmed"],
        [TortureOp.Rollback] = ["RolledBack", "Booted", "BootConfirmed"],
        [TortureOp.ResetPreserve] = ["PartitionWiped", "NodeReset", "Booted"],
        [TortureOp.ResetFull] = ["PartitionWiped", "NodeReset", "MaintenanceEntered"],
    };

    /// <summary>About how many events the operation's actor emits (an upgrade about 130): the range of the n-th-event trigger.</summary>
    private static readonly Dictionary<TortureOp, int> Lengths = new()
    {
        [TortureOp.Upgrade] = 130, [TortureOp.Rollback] = 80, [TortureOp.ResetPreserve] = 70, [TortureOp.ResetFull] = 70,
    };

    private readonly Random _rng = new(seed);

    /// <summary>The next step; <paramref name="canRollBack"/> says whether the other slot holds a confirmed image.</summary>
    public TortureStep Next(int cycle, bool canRollBack)
    {
        // The first cycle is always an upgrade (nothing to roll back to yet); later ones are weighted toward upgrades.
        var roll = cycle == 1 ? 0 : _rng.Next(100);
        var op = roll switch
        {
            < 45 => TortureOp.Upgrade,
            < 65 when canRollBack => TortureOp.Rollback,
            < 65 => TortureOp.Upgrade,
            < 85 => TortureOp.ResetPreserve,
            _ => TortureOp.ResetFull,
        };
        var image = op == TortureOp.Upgrade ? Images[_rng.Next(Images.Length)] : null;
        var pick = _rng.Next(3);
        var kill = cycle == 1
            // The first upgrade dies between writing the slot and confirming it, whatever the speed of the box (a fast
            // Release build settles an upgrade of these small images in under 400 ms, so delays alone can miss it).
            ? new KillTrigger(EventName: "TrialBootSet")
            : pick switch
        {
            // An operation takes a few hundred ms to a second over the API: most delays land inside it.
            0 => new KillTrigger(DelayMs: _rng.Next(0, 400)),
            1 => new KillTrigger(EventNumber: 1 + _rng.Next(Lengths[op])),
            _ => new KillTrigger(EventName: Moments[op][_rng.Next(Moments[op].Length)]),
        };
        return new TortureStep(cycle, op, image, kill);
    }
}
