using Talos.Machined.Services;

namespace Talos.Machined.Runtime;

/// <summary>
/// The node's kernel-style ring (what <c>talosctl dmesg</c> reads): firmware, boot-loader decision, kernel and
/// machined messages in upstream's line format <c>&lt;facility&gt;: &lt;priority&gt;: [&lt;RFC3339Nano&gt;]: &lt;msg&gt;</c>.
/// Like /dev/kmsg it lives in memory and starts empty at every (simulated) power-on.
/// </summary>
public sealed class KernelLog(TimeProvider time, int capacity = 4096)
{
    /// <summary>The ring.</summary>
    public LogRing Ring { get; } = new(capacity);

    /// <summary>A kernel message at info priority.</summary>
    public void Kern(string message) => Write("kern", "info", message);

    /// <summary>A kernel message at a given priority (emerg, alert, crit, err, warning, notice, info, debug).</summary>
    public void Kern(string priority, string message) => Write("kern", priority, message);

    /// <summary>A machined message (upstream prefixes them with [talos]).</summary>
    public void Talos(string message) => Write("user", "warning", "[talos] " + message);

    private void Write(string facility, string priority, string message) =>
        Ring.AppendRaw($"{facility}: {priority, 7}: [{time.GetUtcNow().UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffff}Z]: {message}");
}
