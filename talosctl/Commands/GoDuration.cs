using System.Globalization;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using System.Text.RegularExpressions;

namespace Talos.Ctl.Commands;

/// <summary>Durations printed as Go's time.Duration.String after truncation to seconds ("2h35m10s"), as upstream's tables.</summary>
public static partial class GoDuration
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

    /// <summary>Parses Go's duration syntax ("1h30m", "90s", "500ms", "2m0s"); also accepts .NET's "00:02:00".</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && text.Contains(':', StringComparison.Ordinal)) return true;
        var m = GoSyntax().Match(text);
        if (!m.Success || text.Length == 0) return false;
        double ms = 0;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var unit = c.Value.TrimStart("0123456789.".ToCharArray());
            var number = double.Parse(c.Value[..^unit.Length], CultureInfo.InvariantCulture);
            ms += number * unit switch { "h" => 3_600_000, "m" => 60_000, "s" => 1000, "ms" => 1, _ => 0 };
        }
        // A duration TimeSpan cannot hold (e.g. 99999999999999999999h) is bad input, not an OverflowException (issue 20 item 8).
        if (!(ms < TimeSpan.MaxValue.TotalMilliseconds)) return false;
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>A duration option with Go syntax and a default, as upstream's flags.</summary>
    public static Option<TimeSpan> Option(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} (default {Format(defaultValue)})",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = Parse,
    };

    /// <summary>A duration option without a default.</summary>
    public static Option<TimeSpan?> OptionalOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => Parse(r),
    };

    private static TimeSpan Parse(ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (TryParse(text, out var v)) return v;
        r.AddError($"invalid duration \"{text}\" for {(r.Parent as OptionResult)?.Option.Name}: use Go syntax such as 30s, 5m or 1h30m");
        return default;
    }

    [GeneratedRegex(@"^(?<part>[0-9]+(\.[0-9]+)?(ms|h|m|s))+$")]
    private static partial Regex GoSyntax();
}
