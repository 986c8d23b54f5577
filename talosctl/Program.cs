using Talos.Ctl;
using Talos.Ctl.Commands;

return await Cli.RunAsync(args, CliContext.Console);
