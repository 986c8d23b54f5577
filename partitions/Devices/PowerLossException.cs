namespace Talos.Partitions.Devices;

/// <summary>
/// Thrown by <see cref="PowerLossSimulator"/> when the configured crash point is reached: the power is gone,
/// the write that hit the crash point (and every later I/O) did not happen. Deliberately not a
/// <c>TalosException</c>: production error handling must never catch and "recover" from a simulated power cut.
/// </summary>
public sealed class PowerLossException : Exception
{
    /// <summary>Creates the exception for the crash at write <paramref name="writeIndex"/>.</summary>
    public PowerLossException(long writeIndex)
        : base($"simulated power loss at write {writeIndex}: this write and all later I/O did not happen") => WriteIndex = writeIndex;

    /// <summary>Global index of the first write that did not happen.</summary>
    public long WriteIndex { get; }
}
