using System.CommandLine;
using Talos.Ctl.Client;
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
        root.Subcommands.Add(GenCommand.Build(g, io));
        root.Subcommands.Add(ClusterCommand.Build(g, io));
        root.Subcommands.Add(ApplyConfigCommand.Build(g, io));
        root.Subcommands.Add(BootstrapCommand.Build(g, io));
        root.Subcommands.Add(UpgradeCommand.Build(g, io));
        root.Subcommands.Add(RollbackCommand.Build(g, io));
        root.Subcommands.Add(ResetCommand.Build(g, io));
        root.Subcommands.Add(RebootCommand.Build(g, io));
        root.Subcommands.Add(ShutdownCommand.Build(g, io));
        root.Subcommands.Add(GetCommand.Build(g, io));
        root.Subcommands.Add(LogsCommand.Build(g, io));
        root.Subcommands.Add(DmesgCommand.Build(g, io));
        root.Subcommands.Add(ServiceCommand.Build(g, io));
        root.Subcommands.Add(HealthCommand.Build(g, io));
        root.Subcommands.Add(EventsCommand.Build(g, io));
        root.Subcommands.Add(EtcdCommand.Build(g, io));
        root.Subcommands.Add(KubeconfigCommand.Build(g, io));
        root.Subcommands.Add(UpgradeK8sCommand.Build(g, io));
        root.Subcommands.Add(MetaCommand.Build(g, io));
        root.Subcommands.Add(AuditCommand.Build(g, io));
        root.Subcommands.Add(ForensicsCommand.Build(g, io));
        root.Subcommands.Add(ImageCommand.Build(io));
        root.Subcommands.Add(DashboardCommand.Build(g, io));
        return root;
    }

    /// <summary>
    /// Parses and runs; known errors become one line on stderr and exit code 1. <paramref name="onParsed"/> sees the
    /// parse result before the command runs (Program: <see cref="SystemCaStore.SkipForNodeCommands"/>).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliContext io, CancellationToken ct = default, Action<ParseResult>? onParsed = null)
    {
        // Several nodes stream at once (logs -f, events, --wait): every line must be written atomically.
        io = io with { Out = TextWriter.Synchronized(io.Out), Err = TextWriter.Synchronized(io.Err) };
        var root = Build(io);
        // Response files are off: "@file" is upstream's syntax for --config-patch and must reach the option as is.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0 && !IsHelp(args))
        {
            // Upstream (cobra) prints one "Error: ..." line and a usage hint; the full help only on --help.
            var cmd = "talosctl" + CommandPath(parsed.CommandResult);
            var message = System.Text.RegularExpressions.Regex.Replace(parsed.Errors[0].Message, @"\s*\n\s*", " ");
            io.Error($"{message} (see \"{cmd} --help\")");
            return 1;
        }
        onParsed?.Invoke(parsed);
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (TalosConfigException e)
        {
            io.Error(e.Message);
            return 1;
        }
        catch (UsageException e)
        {
            io.Error(e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C while following a stream: the conventional exit code, no stack trace.
            return 130;
        }
        catch (Exception e)
        {
            // Last resort (issue 20 item 8): a user never sees a stack trace. Each command answers its own bad input;
            // a test runs every command with bad values and fails when one ends up here.
            io.Error($"{e.Message} ({e.GetType().Name}: {BugMarker}: please report it with the command line)");
            return 1;
        }
    }

    /// <summary>What the last-resort handler says: reaching it is a bug in talosctl, never an answer to bad input.</summary>
    public const string BugMarker = "an error talosctl did not expect";

    /// <summary>" image build" for a subcommand's result (the hint names the whole path, as cobra does).</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult? r) =>
        r?.Parent is System.CommandLine.Parsing.CommandResult parent ? CommandPath(parent) + " " + r.Command.Name : "";

    private static bool IsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");
}
