namespace Talos.Sequencer.Model;

/// <summary>
/// Sequence identifiers. Values 0..10 are upstream's enum order (talos-internals.md §1.1); <see cref="Rollback"/>
/// and <see cref="ApplyConfig"/> are this project's additions (upstream runs them outside the sequencer).
/// The camelCase form from <see cref="SequenceNames.Wire"/> is what journal events carry.
/// </summary>
public enum SequenceName
{
    /// <summary>Nothing runs (the lock's idle value).</summary>
    Noop = 0,
    /// <summary>Mount volumes and start services.</summary>
    Boot = 1,
    /// <summary>Early setup; blocks in maintenance mode until a config arrives.</summary>
    Initialize = 2,
    /// <summary>Lay out the disk and write the first slot.</summary>
    Install = 3,
    /// <summary>Stop everything and power off.</summary>
    Shutdown = 4,
    /// <summary>Write the inactive slot and reboot into it as a trial.</summary>
    Upgrade = 5,
    /// <summary>Record a staged upgrade and reboot; the install sequence applies it.</summary>
    StageUpgrade = 6,
    /// <summary>Upgrade from maintenance mode (no services to stop).</summary>
    MaintenanceUpgrade = 7,
    /// <summary>Wipe the system disk (or some labels) and reboot or power off.</summary>
    Reset = 8,
    /// <summary>Stop everything and reboot.</summary>
    Reboot = 9,
    /// <summary>Unmount everything after a fatal error.</summary>
    EmergencyVolumeCleanup = 10,
    /// <summary>Make the previous confirmed slot the default and reboot (project addition).</summary>
    Rollback = 11,
    /// <summary>Activate an applied machine config (project addition).</summary>
    ApplyConfig = 12,
}

/// <summary>Stable wire names of <see cref="SequenceName"/>.</summary>
public static class SequenceNames
{
    /// <summary>The camelCase name (e.g. <c>stageUpgrade</c>) used in events and files.</summary>
    public static string Wire(this SequenceName name)
    {
        var s = name.ToString();
        return char.ToLowerInvariant(s[0]) + s[1..];
    }

    /// <summary>Parses a wire name; throws <see cref="ArgumentException"/> for an unknown one.</summary>
    public static SequenceName Parse(string wire)
    {
        foreach (var n in Enum.GetValues<SequenceName>())
            if (n.Wire() == wire) return n;
        throw new ArgumentException($"unknown sequence name '{wire}'", nameof(wire));
    }
}
