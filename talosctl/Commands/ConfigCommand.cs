using System.CommandLine;
using Talos.Ctl.Config;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl config endpoint|node|contexts|context|merge|info</c>, as upstream.</summary>
public static class ConfigCommand
{
    /// <summary>Builds the command tree.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("config", "Manage the client configuration file (talosconfig)");
        cmd.Subcommands.Add(SetList(g, io, "endpoint", "Set the endpoint(s) for the current context", (c, v) => c.Endpoints = v));
        cmd.Subcommands.Add(SetList(g, io, "node", "Set the node(s) for the current context", (c, v) => c.Nodes = v));
        cmd.Subcommands.Add(Contexts(g, io));
        cmd.Subcommands.Add(UseContext(g, io));
        cmd.Subcommands.Add(Merge(g, io));
        cmd.Subcommands.Add(Info(g, io));
        return cmd;
    }

    private static Command SetList(GlobalOptions g, CliContext io, string name, string description, Action<TalosContext, List<string>> set)
    {
        var values = new Argument<string[]>(name + "s") { Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command(name, description) { values };
        cmd.Aliases.Add(name + "s");
        cmd.SetAction(r =>
        {
            var path = g.ConfigPath(r);
            var cfg = TalosConfig.Load(path);
            var ctx = cfg.Resolve(r.GetValue(g.Context), out _);
            set(ctx, GlobalOptions.Split(r.GetValue(values)).ToList());
            cfg.Save(path);
            return 0;
        });
        return cmd;
    }

    private static Command Contexts(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("contexts", "List defined contexts");
        cmd.Aliases.Add("get-contexts");
        cmd.SetAction(r =>
        {
            var cfg = TalosConfig.Load(g.ConfigPath(r));
            var rows = cfg.Contexts.Select(kv => new[]
            {
                kv.Key == cfg.Context ? "*" : "", kv.Key, string.Join(",", kv.Value.Endpoints), string.Join(",", kv.Value.Nodes),
            }).ToList();
            Table.Write(io.Out, ["CURRENT", "NAME", "ENDPOINTS", "NODES"], rows);
            return 0;
        });
        return cmd;
    }

    private static Command UseContext(GlobalOptions g, CliContext io)
    {
        var name = new Argument<string>("context");
        var cmd = new Command("context", "Set the current context") { name };
        cmd.Aliases.Add("use-context");
        cmd.SetAction(r =>
        {
            var path = g.ConfigPath(r);
            var cfg = TalosConfig.Load(path);
            var n = r.GetValue(name)!;
            cfg.Resolve(n, out _);
            cfg.Context = n;
            cfg.Save(path);
            return 0;
        });
        return cmd;
    }

    private static Command Merge(GlobalOptions g, CliContext io)
    {
        var from = new Argument<string>("from");
        var cmd = new Command("merge", "Merge additional contexts from another client configuration file") { from };
        cmd.SetAction(r =>
        {
            var path = g.ConfigPath(r);
            var cfg = TalosConfig.LoadOrEmpty(path);
            var other = TalosConfig.Load(r.GetValue(from)!);
            foreach (var (a, b) in cfg.Merge(other)) io.Out.WriteLine($"renamed talosconfig context \"{a}\" -> \"{b}\"");
            cfg.Save(path);
            return 0;
        });
        return cmd;
    }

    private static Command Info(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("info", "Show information about the current context");
        cmd.SetAction(r =>
        {
            var cfg = TalosConfig.Load(g.ConfigPath(r));
            var ctx = cfg.Resolve(r.GetValue(g.Context), out var name);
            io.Out.WriteLine($"Current context:     {name}");
            io.Out.WriteLine($"Nodes:               {(ctx.Nodes.Count == 0 ? "not defined" : string.Join(", ", ctx.Nodes))}");
            io.Out.WriteLine($"Endpoints:           {(ctx.Endpoints.Count == 0 ? "not defined" : string.Join(", ", ctx.Endpoints))}");
            io.Out.WriteLine($"Roles:               {ClientCert.RolesOf(ctx) ?? "not defined"}");
            io.Out.WriteLine($"Certificate expires: {ClientCert.ExpiryOf(ctx) ?? "not defined"}");
            return 0;
        });
        return cmd;
    }
}
