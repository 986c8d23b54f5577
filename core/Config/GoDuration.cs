using System.Globalization;
using System.Text.RegularExpressions;

namespace Talos.Core.Config;

/// <summary>Go-style durations as in upstream configs: <c>300ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>.</summary>
public static partial class GoDuration
{
    /// <summary>Parses a positive duration made of number+unit pairs (h, m, s, ms).</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var m = Pattern().Match(text);
        if (!m.Success || text.Length == 0)
            return false;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var p = Part().Match(c.Value);
            var n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            value += p.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return value > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|h|m|s))+$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|h|m|s)$")]
    private static partial Regex Part();
}
