// machined: one Talos.NET node (issue #8). Everything lives in Talos.Machined.Daemon.NodeDaemon, so the daemon's
// composition can also be run in-process (tests) without statics.
return await Talos.Machined.Daemon.NodeDaemon.MainAsync(args);
