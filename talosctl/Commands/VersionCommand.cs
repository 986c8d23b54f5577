using System.CommandLine;
using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl version [--client] [--short] [--insecure]</c>: the client's and every node's version, as upstream.</summary>
public static class VersionCommand
{
    /// <summary>The client's version tag (informational version of the assembly).</summary>
    public static string Tag =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] is { } v ? "v" + v : "v0.0.0";

    /// <summary>The client's OS/arch in Go spelling, as the node reports its own.</summary>
    public static string OsArch => $"linux/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        var a => a.ToString().ToLowerInvariant(),
    }}";

    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var client = new Option<bool>("--client") { Description = "Print client version only" };
        var insecure = NodeOptions.Insecure();
        var cmd = new Command("version", "Prints the version") { client, insecure };
        cmd.SetAction(async (r, ct) =>
        {
            io.Out.WriteLine("Client:");
            io.Out.WriteLine($"\tTag:         {Tag}");
            io.Out.WriteLine($"\tOS/Arch:     {OsArch}");
            if (r.GetValue(client)) return 0;
            return await NodeOptions.RunAsync(r, g, r.GetValue(insecure), clients => Server(clients, io, ct));
        });
        return cmd;
    }

    private static async Task<int> Server(IReadOnlyList<IMachineClient> clients, CliContext io, CancellationToken ct)
    {
        io.Out.WriteLine("Server:");
        return await FanOut.EachAsync(clients, io, async c =>
        {
            var reply = await c.Machine.VersionAsync(new Empty(), c.Call(ct));
            foreach (var m in reply.Messages)
            {
                io.Out.WriteLine($"\tNODE:        {c.Node}");
                io.Out.WriteLine($"\tTag:         {m.Version_?.Tag}");
                io.Out.WriteLine($"\tSHA:         {m.Version_?.Sha}");
                io.Out.WriteLine($"\tBuilt:       {m.Version_?.Built}");
                io.Out.WriteLine($"\tRuntime:     {m.Version_?.GoVersion}");
                io.Out.WriteLine($"\tOS/Arch:     {m.Version_?.Os}/{m.Version_?.Arch}");
                if (m.Platform is { } p) io.Out.WriteLine($"\tPlatform:    {p.Name} ({p.Mode})");
                if (m.Features?.Rbac == true) io.Out.WriteLine("\tEnabled:     RBAC");
            }
            return 0;
        });
    }
}
