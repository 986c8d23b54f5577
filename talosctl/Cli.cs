using System.CommandLine;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;

namespace Talos.Ctl;

/// <summary>Builds the talosctl command tree and runs it with upstream-style error reporting.</summary>
public static class Cli
{
    /// <summary>The root command with every verb.</summary>
    public static RootCommand Build(CliContext io)
    {
        var g = new GlobalOptions();
        var root = new RootCommand("A CLI for out-of-band management of Kubernetes nodes created by Talos (Talos.NET)");
        g.AddTo(root);
        root.Subcommands.Add(ConfigCommand.Build(g, io));
        root.Subcommands.Add(VersionCommand.Build(g, io));
        root.Subcommands.Add(AuditCommand.Build(g, io));
        root.Subcommands.Add(ForensicsCommand.Build(g, io));
        return root;
    }

    /// <summary>Parses and runs; known errors become one line on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext io)
    {
        var root = Build(io);
        var parsed = root.Parse(args);
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false });
        }
        catch (TalosConfigException e)
        {
            await io.Err.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }
}
