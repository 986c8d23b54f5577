using System.CommandLine;
using System.Reflection;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl version [--client]</c>. The server part arrives with the API (issue #8).</summary>
public static class VersionCommand
{
    /// <summary>The client's version tag (informational version of the assembly).</summary>
    public static string Tag =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] is { } v ? "v" + v : "v0.0.0";

    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var client = new Option<bool>("--client") { Description = "Print client version only" };
        var cmd = new Command("version", "Prints the version") { client };
        cmd.SetAction(r =>
        {
            io.Out.WriteLine("Client:");
            io.Out.WriteLine($"\tTag:         {Tag}");
            io.Out.WriteLine($"\tOS/Arch:     linux/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}");
            if (!r.GetValue(client))
            {
                io.Err.WriteLine("error: the server version needs the node API, which is not built yet (issue #8); use --client");
                return 1;
            }
            return 0;
        });
        return cmd;
    }
}
