namespace Talos.Sequencer.Running;

/// <summary>
/// Marks exceptions that model the machine losing power (thrown by simulators). The runner never records them as
/// task failures: after a power loss nothing more can be written, so they propagate untouched.
/// </summary>
public interface IPowerLossException;

internal static class PowerLoss
{
    /// <summary>True when <paramref name="ex"/> or any inner exception is a simulated power loss
    /// (<see cref="IPowerLossException"/> or partitions' <see cref="Partitions.Devices.PowerLossException"/>).</summary>
    public static bool IsPowerLoss(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is IPowerLossException or Partitions.Devices.PowerLossException) return true;
            if (ex is AggregateException agg && agg.InnerExceptions.Any(IsPowerLoss)) return true;
        }
        return false;
    }
}
