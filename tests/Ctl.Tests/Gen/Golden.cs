using System.Runtime.CompilerServices;

namespace Talos.Ctl.Tests.Gen;

/// <summary>
/// Golden files under tests/Ctl.Tests/Gen/golden. A mismatch fails; set TALOS_UPDATE_GOLDEN=1 to rewrite them
/// (then review the diff before committing).
/// </summary>
internal static class Golden
{
    public static void Check(string name, string actual, [CallerFilePath] string caller = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(caller)!, "golden", name);
        if (Environment.GetEnvironmentVariable("TALOS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing; run with TALOS_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
