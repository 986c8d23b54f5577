using System.Reflection;
using System.Runtime.InteropServices;
using Talos.Api.Machine;

namespace Talos.Machined.Api;

/// <summary>
/// Version information of this build, read from assembly attributes: tag and sha from
/// AssemblyInformationalVersion ("1.2.3+sha" as the SDK writes it with SourceLink/git), the runtime description in
/// go_version's place (the field name is upstream's), and os/arch in Go's spelling (linux, amd64, arm64).
/// </summary>
public static class BuildVersion
{
    /// <summary>Version info for the assembly that contains <paramref name="marker"/> (default: machined).</summary>
    public static VersionInfo Read(Assembly? marker = null)
    {
        var asm = marker ?? typeof(BuildVersion).Assembly;
        var informational = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? asm.GetName().Version?.ToString() ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var tag = plus < 0 ? informational : informational[..plus];
        var sha = plus < 0 ? "" : informational[(plus + 1)..];
        return new VersionInfo
        {
            Tag = tag.StartsWith('v') ? tag : "v" + tag,
            Sha = sha.Length > 7 ? sha[..7] : sha,
            Built = asm.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "BuildDate")?.Value ?? "",
            GoVersion = RuntimeInformation.FrameworkDescription,
            Os = OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription.ToLowerInvariant(),
            Arch = RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "amd64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "386",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            },
        };
    }
}
