using System.CommandLine;
using Talos.Ctl.Cluster;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl cluster create|show|destroy</c>: a local cluster of machined processes on loopback addresses.</summary>
public static class ClusterCommand
{
    /// <summary>Builds the command tree.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var name = new Option<string>("--name") { Description = "the name of the cluster", DefaultValueFactory = _ => "talos-default", Recursive = true };
        var state = new Option<string>("--state") { Description = "directory path to store cluster state", DefaultValueFactory = _ => ClusterState.DefaultRoot(), Recursive = true };
        var cmd = new Command("cluster", "A collection of commands for managing local clusters") { name, state };
        cmd.Subcommands.Add(Create(g, io, name, state));
        cmd.Subcommands.Add(Show(io, name, state));
        cmd.Subcommands.Add(Destroy(g, io, name, state));
        return cmd;
    }

    private static Command Create(GlobalOptions g, CliContext io, Option<string> name, Option<string> state)
    {
        var cps = new Option<int>("--controlplanes") { Description = "the number of controlplanes to create", DefaultValueFactory = _ => 1 };
        var workers = new Option<int>("--workers") { Description = "the number of workers to create", DefaultValueFactory = _ => 0 };
        var disk = new Option<string>("--disk-size", "--disk") { Description = "disk size of each node (e.g. 512MiB, 1GiB)", DefaultValueFactory = _ => "512MiB" };
        var image = new Option<string?>("--image", "--install-image") { Description = "the installer image to install (default: the local store's default image)" };
        var cidr = new Option<string>("--cidr") { Description = "loopback /24 the node addresses are taken from", DefaultValueFactory = _ => "127.0.100.0/24" };
        var machined = new Option<string?>("--machined") { Description = "path to machined.dll (default: $TALOS_MACHINED or the build output)" };
        var wait = new Option<int>("--wait-timeout") { Description = "seconds to wait for each node", DefaultValueFactory = _ => 120 };
        var patch = new Option<string[]>("--config-patch") { Description = "patch generated machineconfigs (applied to all node types), use @file to read a patch from file", AllowMultipleArgumentsPerToken = false };
        var patchCp = new Option<string[]>("--config-patch-control-plane") { Description = "patch generated machineconfigs (applied to 'init' and 'controlplane' types)", AllowMultipleArgumentsPerToken = false };
        var patchWorker = new Option<string[]>("--config-patch-worker") { Description = "patch generated machineconfigs (applied to 'worker' type)", AllowMultipleArgumentsPerToken = false };
        var inputDir = new Option<string?>("--input-dir") { Description = "location of pre-generated config files (controlplane.yaml, worker.yaml, talosconfig from \"talosctl gen config\")" };
        var cmd = new Command("create", "Creates a local cluster (one machined per node on its own loopback address)")
        {
            cps, workers, disk, image, cidr, machined, wait, patch, patchCp, patchWorker, inputDir,
        };
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var o = new ClusterCreateOptions(r.GetValue(name)!, r.GetValue(cps), r.GetValue(workers), Size.Parse(r.GetValue(disk)!),
                    r.GetValue(image), r.GetValue(state)!, r.GetValue(cidr)!, r.GetValue(machined), g.ConfigPath(r), TimeSpan.FromSeconds(r.GetValue(wait)))
                {
                    Patches = Gen.PatchLoader.Load(r.GetValue(patch), "--config-patch"),
                    ControlPlanePatches = Gen.PatchLoader.Load(r.GetValue(patchCp), "--config-patch-control-plane"),
                    WorkerPatches = Gen.PatchLoader.Load(r.GetValue(patchWorker), "--config-patch-worker"),
                    InputDir = r.GetValue(inputDir),
                };
                await new ClusterProvisioner(io.Out).CreateAsync(o, ct);
                return 0;
            }
            catch (Exception e) when (e is ClusterException or Gen.GenInputException)
            {
                await io.Err.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        });
        return cmd;
    }

    private static Command Show(CliContext io, Option<string> name, Option<string> state)
    {
        var cmd = new Command("show", "Shows info about a local cluster");
        cmd.SetAction(r =>
        {
            var s = ClusterState.Load(Path.Combine(r.GetValue(state)!, r.GetValue(name)!));
            if (s is null) { io.Err.WriteLine($"error: cluster \"{r.GetValue(name)}\" not found"); return 1; }
            io.Out.WriteLine($"PROVISIONER       machined (local processes)");
            io.Out.WriteLine($"NAME              {s.Name}");
            io.Out.WriteLine($"STATE DIRECTORY   {s.Directory}");
            io.Out.WriteLine();
            io.Out.WriteLine("NODES:");
            io.Out.WriteLine();
            Table.Write(io.Out, ["NAME", "TYPE", "IP", "PID", "RUNNING", "DISK"],
                s.Nodes.Select(n => new[] { n.Name, n.Role, n.Address, n.Pid.ToString(), MachinedProcess.Alive(n.Pid) ? "yes" : "no", n.Disk }).ToList());
            return 0;
        });
        return cmd;
    }

    private static Command Destroy(GlobalOptions g, CliContext io, Option<string> name, Option<string> state)
    {
        var cmd = new Command("destroy", "Destroys a local cluster (stops every node process and removes its state)");
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                await new ClusterProvisioner(io.Out).DestroyAsync(r.GetValue(name)!, r.GetValue(state)!, g.ConfigPath(r));
                return 0;
            }
            catch (ClusterException e)
            {
                await io.Err.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        });
        return cmd;
    }
}

/// <summary>Sizes as upstream's flags take them: 512MiB, 1GiB, 8GB, or bytes.</summary>
public static class Size
{
    /// <summary>Parses a size; a clear error for anything else.</summary>
    public static long Parse(string text)
    {
        var t = text.Trim();
        (string Suffix, long Factor)[] units = [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40), ("KB", 1000), ("MB", 1000_000), ("GB", 1000_000_000), ("B", 1)];
        foreach (var (suffix, factor) in units)
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && double.TryParse(t[..^suffix.Length], System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0)
                return (long)(v * factor);
        if (long.TryParse(t, out var bytes) && bytes > 0) return bytes;
        throw new Cluster.ClusterException($"invalid size \"{text}\": use e.g. 512MiB or 2GiB");
    }
}
