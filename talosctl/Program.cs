using Talos.Ctl;
using Talos.Ctl.Client;
using Talos.Ctl.Commands;

// Node commands trust only the talosconfig's CA: skip loading the system CA store (cold start, issue #9).
return await Cli.RunAsync(args, CliContext.Console, onParsed: p => SystemCaStore.SkipForNodeCommands(p));
