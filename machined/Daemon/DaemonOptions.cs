using System.Globalization;
using System.Net;

namespace Talos.Machined.Daemon;

/// <summary>
/// Command line of <c>machined</c>:
/// <c>machined --disk &lt;image&gt; --address 127.0.0.N [--port 50000] [--size 8GiB] [--image-store DIR] [--state-dir DIR]</c>.
/// </summary>
public sealed record DaemonOptions(string Disk, IPAddress Address, int Port, long Size, string ImageStore, string? StateDir)
{
    /// <summary>Default size of a disk image created on first start (sparse: costs no space until written).</summary>
    public const long DefaultSize = 8L << 30;

    /// <summary>Usage text.</summary>
    public const string Usage =
        "usage: machined --disk <image-or-device> --address <ip> [--port 50000] [--size 8GiB] [--image-store DIR] [--state-dir DIR]\n" +
        "  --disk         disk image (created sparse with --size when missing) or block device\n" +
        "  --address      the node's address, e.g. 127.0.0.12 (each node of a local cluster has its own)\n" +
        "  --port         API port (default 50000, upstream's apid port; 0 = any free port)\n" +
        "  --size         size of a new disk image (default 8GiB; suffixes KiB MiB GiB TiB)\n" +
        "  --image-store  local OCI image store for installer images (default: <disk dir>/images)\n" +
        "  --state-dir    where machined writes machined.endpoint (address:port, once listening)";

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An option is missing or malformed; the message says which.</exception>
    public static DaemonOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] known = ["--disk", "--address", "--port", "--size", "--image-store", "--state-dir"];
        for (var i = 0; i < args.Count; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], i + 1 < args.Count ? args[++i] : null);
            if (!known.Contains(name)) throw new ArgumentException($"unknown option \"{name}\"");
            values[name] = value ?? throw new ArgumentException($"option {name} needs a value");
        }
        var disk = values.GetValueOrDefault("--disk") ?? throw new ArgumentException("--disk is required");
        var addressText = values.GetValueOrDefault("--address") ?? throw new ArgumentException("--address is required");
        if (!IPAddress.TryParse(addressText, out var address)) throw new ArgumentException($"--address: \"{addressText}\" is not an IP address");
        var port = 50000;
        if (values.TryGetValue("--port", out var p) && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
            throw new ArgumentException($"--port: \"{p}\" is not a port number (0-65535)");
        var size = values.TryGetValue("--size", out var s) ? ParseSize(s) : DefaultSize;
        var full = Path.GetFullPath(disk);
        var store = values.GetValueOrDefault("--image-store") ?? Path.Combine(Path.GetDirectoryName(full) ?? ".", "images");
        return new DaemonOptions(full, address, port, size, store, values.GetValueOrDefault("--state-dir"));
    }

    /// <summary>Parses "8GiB", "512MiB", "1048576" (bytes); must be a positive multiple of 512.</summary>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        (string Suffix, int Shift)[] units = [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10), ("T", 40), ("G", 30), ("M", 20), ("K", 10), ("B", 0)];
        var (number, shift) = (text, 0);
        foreach (var (suffix, sh) in units)
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { (number, shift) = (text[..^suffix.Length], sh); break; }
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > (long.MaxValue >> shift))
            throw new ArgumentException($"--size: \"{text}\" is not a size (e.g. 8GiB, 512MiB)");
        var bytes = n << shift;
        if (bytes % 512 != 0) throw new ArgumentException($"--size: {bytes} bytes is not a multiple of the 512-byte sector");
        return bytes;
    }
}
