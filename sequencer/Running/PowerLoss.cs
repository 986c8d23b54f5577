namespace Talos.Sequencer.Running;

/// <summary>
/// Marks exceptions that model the machine losing power (thrown by simulators). The runner never records them as
/// task failures: after a power loss nothing more can be written, so they propagate untouched.
/// </summary>
public interface IPowerLossException;

internal static class PowerLoss
{
    public static bool IsPowerLoss(Exception ex) => ex is IPowerLossException || ex.InnerException is IPowerLossException;
}
