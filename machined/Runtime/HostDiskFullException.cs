using Talos.Core.Errors;

namespace Talos.Machined.Runtime;

/// <summary>
/// Writing the node's disk failed because the host filesystem that holds it is full (ENOSPC; issue 22.6): the disk
/// image is a sparse file, so a slot write needs host space even though the partition has room. The operation fails
/// and, before its point of no return, the node runs on as before (issue 20.1).
/// </summary>
public sealed class HostDiskFullException(string disk, string what, IOException cause)
    : TalosException($"the host is out of disk space: no space left on the filesystem holding disk {disk} while {what} ({cause.Message}); free space on the host, then retry", cause)
{
    /// <summary>The node's disk (image path or device).</summary>
    public string Disk { get; } = disk;

    /// <summary>What was being written.</summary>
    public string What { get; } = what;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.ResourceExhausted;

    /// <inheritdoc />
    public override bool IsTransient => true;

    /// <summary>True for the OS's "no space left" error: errno ENOSPC (28) on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(IOException e) => e.HResult == 28 || (e.HResult & 0xFFFF) is 0x70 or 0x27;
}
