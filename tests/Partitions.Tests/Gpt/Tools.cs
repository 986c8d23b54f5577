using System.Diagnostics;

namespace Talos.Partitions.Tests.Gpt;

/// <summary>Runs the Debian partitioning tools. A missing tool fails the test with the fix (never a skip).</summary>
internal static class Tools
{
    public static string Run(string tool, params string[] args) => RunAllowingFailure(tool, args, out var code) is var o && code == 0
        ? o : throw new Xunit.Sdk.XunitException($"{tool} {string.Join(' ', args)} exited with {code}:\n{o}");

    public static string RunAllowingFailure(string tool, string[] args, out int exitCode)
    {
        var path = new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException($"{tool} is not installed: run tests/run.sh as root (it installs gdisk, fdisk, parted) or `apt-get install -y gdisk fdisk parted`");
        var psi = new ProcessStartInfo(path, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        exitCode = p.ExitCode;
        return stdout.Result + stderr;
    }
}
