using System.Security.Cryptography;
using Talos.Partitions.Audit;

namespace Talos.Machined.Daemon;

/// <summary>
/// The machine's sealing secret for the node key (issue #22), the role a TPM plays on real hardware: a 32-byte file
/// kept next to the disk image (<c>&lt;disk&gt;.sealing-secret</c>, or in <c>--state-dir</c>), never on the disk itself, so a
/// copy of the disk cannot unseal the key and re-sign a rewritten history. Created (mode 0600) on the first start.
/// Losing the file loses the key's use: the node then reports its identity problem and the operator resets it.
/// </summary>
internal static class SealingSecretFile
{
    /// <summary>Where the secret of <paramref name="o"/>'s disk lives.</summary>
    public static string PathFor(DaemonOptions o) =>
        o.StateDir is { } dir ? System.IO.Path.Combine(dir, "sealing-secret") : o.Disk + ".sealing-secret";

    /// <summary>Reads the secret, creating it from the OS CSPRNG when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not 32 bytes.</exception>
    public static byte[] LoadOrCreate(string path, Action<string> log)
    {
        if (File.Exists(path))
        {
            var b = File.ReadAllBytes(path);
            if (b.Length != NodeKey.SealingSecretLength)
                throw new InvalidDataException($"the sealing secret {path} is {b.Length} bytes, expected {NodeKey.SealingSecretLength}: restore it, or reset the node to start a new identity");
            return b;
        }
        var secret = RandomNumberGenerator.GetBytes(NodeKey.SealingSecretLength);
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } d) Directory.CreateDirectory(d);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var f = new FileStream(path, options))
        {
            f.Write(secret);
            f.Flush(flushToDisk: true);
        }
        log($"machined: created the node key sealing secret {path} (keep it with the machine, not with its disk)");
        return secret;
    }
}
