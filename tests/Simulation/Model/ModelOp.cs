namespace Talos.Simulation.Tests.Model;

/// <summary>The operations of the model-based test (a small configuration: one node, 12 MiB disk, 3 configs, 7 images).</summary>
public enum OpKind
{
    /// <summary>apply-config (--mode=no-reboot or staged); installs nothing: the sequence starts on an installed node.</summary>
    Apply,
    /// <summary>Upgrade to an image that passes the health gate.</summary>
    UpgradeGood,
    /// <summary>Upgrade to an image that can never be confirmed (the node must roll back by itself).</summary>
    UpgradeFaulty,
    /// <summary>Manual rollback to the other slot.</summary>
    Rollback,
    /// <summary>Reset that wipes only EPHEMERAL (config kept).</summary>
    ResetPreserve,
    /// <summary>Reset of STATE and EPHEMERAL (config gone: the node comes back in maintenance).</summary>
    ResetFull,
    /// <summary>Reboot.</summary>
    Reboot,
}

/// <summary>
/// One step of a generated sequence. <paramref name="Arg"/> picks the config (Apply: 0..2) or the image (UpgradeGood:
/// 0..2, UpgradeFaulty: 0..3); <paramref name="CrashAt"/> is the power loss at the k-th disk write of the step (null:
/// none) and <paramref name="CrashModel"/> the fate of unflushed writes (0 drop-all, 1 keep-all, 2 tearing).
/// Every field's "simplest" value is 0/false/null: that is what the shrinker moves towards.
/// </summary>
public sealed record ModelOp(OpKind Kind, int Arg = 0, bool Staged = false, int? CrashAt = null, int CrashModel = 0)
{
    public static readonly string[] ModelNames = ["drop-all", "keep-all", "tear"];

    /// <summary>How many values <see cref="Arg"/> has for <paramref name="kind"/>.</summary>
    public static int ArgCount(OpKind kind) => kind switch
    {
        OpKind.Apply => 3,
        OpKind.UpgradeGood => SimImages.Good.Count,
        OpKind.UpgradeFaulty => SimImages.Faulty.Count,
        _ => 1,
    };

    /// <summary>The image of an upgrade.</summary>
    public string Image => Kind == OpKind.UpgradeFaulty ? SimImages.Faulty[Arg] : SimImages.Good[Arg];

    /// <summary>The hostname of an apply's config.</summary>
    public string Host => $"node{Arg + 1}";

    public override string ToString()
    {
        var what = Kind switch
        {
            OpKind.Apply => $"apply({Host}{(Staged ? ", staged" : "")})",
            OpKind.UpgradeGood => $"upgrade-good({Image.Split(':')[1]})",
            OpKind.UpgradeFaulty => $"upgrade-faulty({Image.Split(':')[1]})",
            OpKind.Rollback => "rollback",
            OpKind.ResetPreserve => "reset-preserve",
            OpKind.ResetFull => "reset-full",
            _ => "reboot",
        };
        return CrashAt is { } k ? $"{what}⚡{k}/{ModelNames[CrashModel]}" : what;
    }
}
