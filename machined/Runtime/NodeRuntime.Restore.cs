using Talos.Sequencer.Locking;
using Talos.Sequencer.Running;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>
    /// Issue 20.1: the runner has already restarted what a run stopped when it failed before its point of no return
    /// (<see cref="FailureRestore"/>); this says so on the console. A run that failed after it, with services stopped,
    /// is finished by a reboot: the boot loader then decides from the log, as after a power loss at that point.
    /// </summary>
    private bool NeedsRebootAfterFailure(OperationReport report)
    {
        var run = report.Run;
        if (run is not { Result: RunResult.Failed }) return false;
        var cause = run.Error?.Message ?? "unknown failure";
        switch (run.After)
        {
            case AfterFailure.Restored:
                Kernel.Kern("err", $"[talos] {cause}; the operation stopped before its point of no return: services restarted, " +
                                   $"the node runs on slot {State.BootedSlot} ({State.BootedVersion})");
                return false;
            case AfterFailure.Reboot:
                Kernel.Kern("err", $"[talos] {cause}; the operation had passed its point of no return: rebooting");
                return true;
            default:
                return false;
        }
    }
}
