using System.Diagnostics;

namespace Talos.Ctl.Tests.Gen;

/// <summary>Runs Debian's kubectl (issue #12 asks that the real client reads our kubeconfigs).</summary>
internal static class Kubectl
{
    public const string Path = "/usr/bin/kubectl";

    public static (int Rc, string Out, string Err) Run(params string[] args)
    {
        Assert.True(File.Exists(Path), $"{Path} is required (apt-get install kubernetes-client)");
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("KUBECONFIG");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "kubectl did not finish within 30 s");
        return (p.ExitCode, stdout.Result, stderr);
    }
}
