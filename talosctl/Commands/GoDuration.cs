using System.Globalization;
using System.Text;

namespace Talos.Ctl.Commands;

/// <summary>Durations printed as Go's time.Duration.String after truncation to seconds ("2h35m10s"), as upstream's tables.</summary>
public static class GoDuration
{
    /// <summary>Formats <paramref name="d"/> (negative becomes 0s).</summary>
    public static string Format(TimeSpan d)
    {
        var s = (long)Math.Max(0, Math.Floor(d.TotalSeconds));
        if (s == 0) return "0s";
        var b = new StringBuilder();
        if (s >= 3600) b.Append((s / 3600).ToString(CultureInfo.InvariantCulture)).Append('h');
        if (s >= 60) b.Append((s / 60 % 60).ToString(CultureInfo.InvariantCulture)).Append('m');
        return b.Append((s % 60).ToString(CultureInfo.InvariantCulture)).Append('s').ToString();
    }
}
