using System.CommandLine;
using Talos.Ctl.Config;

namespace Talos.Ctl.Commands;

/// <summary>Upstream's global flags, recursive on every command.</summary>
public sealed class GlobalOptions
{
    /// <summary>--talosconfig: the client configuration file.</summary>
    public Option<string?> TalosConfig { get; } = new("--talosconfig")
    {
        Description = "The path to the Talos configuration file. Defaults to 'TALOSCONFIG' env variable if set, otherwise '$HOME/.talos/config'",
        Recursive = true,
    };

    /// <summary>-e/--endpoints: override the context's endpoints.</summary>
    public Option<string[]> Endpoints { get; } = new("--endpoints", "-e")
    {
        Description = "override default endpoints in Talos configuration",
        Recursive = true,
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>-n/--nodes: target nodes.</summary>
    public Option<string[]> Nodes { get; } = new("--nodes", "-n")
    {
        Description = "target the specified nodes",
        Recursive = true,
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>--context: the context to use instead of the current one.</summary>
    public Option<string?> Context { get; } = new("--context")
    {
        Description = "Context to be used in command",
        Recursive = true,
    };

    /// <summary>Adds the options to the root command.</summary>
    public void AddTo(RootCommand root)
    {
        root.Options.Add(TalosConfig);
        root.Options.Add(Endpoints);
        root.Options.Add(Nodes);
        root.Options.Add(Context);
    }

    /// <summary>The talosconfig path chosen by flag or environment.</summary>
    public string ConfigPath(ParseResult r) => r.GetValue(TalosConfig) is { Length: > 0 } p ? p : Config.TalosConfig.DefaultPath();

    /// <summary>Splits comma-separated values as upstream accepts both "-n a,b" and "-n a -n b".</summary>
    public static IReadOnlyList<string> Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}
