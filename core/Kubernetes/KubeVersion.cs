using System.Globalization;

namespace Talos.Core.Kubernetes;

/// <summary>
/// A Kubernetes release version <c>major.minor.patch</c>, as upgrade-k8s and the image tags write it (<c>1.31.0</c>
/// or <c>v1.31.0</c>). Pre-release suffixes are not accepted: the simulated components only run releases.
/// </summary>
public readonly record struct KubeVersion(int Major, int Minor, int Patch) : IComparable<KubeVersion>
{
    /// <summary>Parses <c>1.31.0</c> or <c>v1.31.0</c>.</summary>
    /// <exception cref="InvalidKubeVersionException">Not a release version.</exception>
    public static KubeVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new InvalidKubeVersionException(text ?? "");

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string? text, out KubeVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text)) return false;
        var parts = (text[0] == 'v' ? text[1..] : text).Split('.');
        if (parts.Length != 3) return false;
        var n = new int[3];
        for (var i = 0; i < 3; i++)
            if (parts[i].Length == 0 || parts[i].Length > 6 || !parts[i].All(char.IsAsciiDigit)
                || !int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i]))
                return false;
        version = new KubeVersion(n[0], n[1], n[2]);
        return true;
    }

    /// <summary>The image tag form, <c>v1.31.0</c>.</summary>
    public string Tag => "v" + ToString();

    /// <inheritdoc />
    public int CompareTo(KubeVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor != other.Minor ? Minor.CompareTo(other.Minor) : Patch.CompareTo(other.Patch);

    /// <summary>Ordering.</summary>
    public static bool operator <(KubeVersion a, KubeVersion b) => a.CompareTo(b) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(KubeVersion a, KubeVersion b) => a.CompareTo(b) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(KubeVersion a, KubeVersion b) => a.CompareTo(b) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(KubeVersion a, KubeVersion b) => a.CompareTo(b) >= 0;

    /// <summary><c>1.31.0</c> (no leading v, as upstream prints versions).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}");
}
