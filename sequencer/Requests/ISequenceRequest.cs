using Talos.Sequencer.Model;

namespace Talos.Sequencer.Requests;

/// <summary>A typed request for one sequence; the phase list is a pure function of it (STYLE.md §1).</summary>
public interface ISequenceRequest
{
    /// <summary>The sequence this request runs.</summary>
    SequenceName Sequence { get; }

    /// <summary>A canonical, deterministic summary (<c>key=value</c> pairs in a fixed order) for events and snapshots.</summary>
    string Describe();
}

/// <summary>Reboot modes as upstream's RebootRequest.Mode.</summary>
public enum RebootMode
{
    /// <summary>Stop everything and kexec into the default entry when possible.</summary>
    Default,
    /// <summary>Stop everything and cold-reboot (no kexec).</summary>
    PowerCycle,
    /// <summary>Skip graceful teardown (upstream FORCE).</summary>
    Force,
}

/// <summary>Which disks a reset wipes (upstream ResetRequest.WipeMode).</summary>
public enum WipeMode
{
    /// <summary>System disk and listed user disks.</summary>
    All,
    /// <summary>System disk only.</summary>
    SystemDisk,
    /// <summary>Listed user disks only.</summary>
    UserDisks,
}

/// <summary>Apply-config activation modes, numbered as upstream's ApplyConfigurationRequest.Mode.</summary>
public enum ApplyMode
{
    /// <summary>Write the config then reboot.</summary>
    Reboot = 0,
    /// <summary>Apply live when possible, else reboot (decided by machined before building the request).</summary>
    Auto = 1,
    /// <summary>Apply live; never reboot.</summary>
    NoReboot = 2,
    /// <summary>Store for the next boot only.</summary>
    Staged = 3,
    /// <summary>Apply live with automatic revert after a timeout unless confirmed.</summary>
    Try = 4,
}
