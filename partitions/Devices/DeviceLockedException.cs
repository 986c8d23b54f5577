using Talos.Core.Errors;

namespace Talos.Partitions.Devices;

/// <summary>Another process (or another open in this one) holds the exclusive lock of a disk: two daemons must never share one disk.</summary>
public sealed class DeviceLockedException : TalosException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public DeviceLockedException(string path, Exception? inner = null)
        : base($"disk '{path}' is locked by another process (flock LOCK_EX): stop the other machined using it, or use another disk", inner)
    {
        Path = path;
    }

    /// <summary>The disk that is in use.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;

    /// <inheritdoc />
    public override bool IsTransient => true;
}
