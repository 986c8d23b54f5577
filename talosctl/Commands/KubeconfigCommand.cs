using System.CommandLine;
using Talos.Core.Errors;
using Talos.Ctl.Client;
using Talos.Ctl.Gen;
using Talos.Ctl.Kubernetes;

namespace Talos.Ctl.Commands;

/// <summary>
/// <c>talosctl kubeconfig [local-path] [--force] [--merge]</c>, as upstream: downloads the admin kubeconfig from a
/// control-plane node. With --merge (the default) it is merged into <c>[local-path]</c>, else into the first path
/// of <c>$KUBECONFIG</c>, else <c>~/.kube/config</c>; clashing entries are renamed (<c>name-1</c>, ...) or, with
/// --force, replaced. With <c>--merge=false</c> it is written to <c>[local-path]</c> or the current directory
/// (a directory gets a file named <c>kubeconfig</c>), refusing to overwrite without --force; <c>-</c> is stdout.
/// </summary>
public static class KubeconfigCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var path = new Argument<string?>("local-path") { Arity = ArgumentArity.ZeroOrOne };
        var force = new Option<bool>("--force", "-f") { Description = "Force overwrite of kubeconfig if already present, force overwrite on kubeconfig merge" };
        var merge = new Option<bool>("--merge", "-m") { Description = "Merge with existing kubeconfig", DefaultValueFactory = _ => true };
        var cmd = new Command("kubeconfig", "Download the admin kubeconfig from the node") { path, force, merge };
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, async clients =>
        {
            if (clients.Count != 1) throw new UsageException("command \"kubeconfig\" is not supported with multiple nodes: pass one control-plane node with -n");
            var doMerge = r.GetValue(merge);
            var target = Target(r.GetValue(path), doMerge, r.GetValue(force), out var toStdout);
            return await FanOut.EachAsync(clients, io, async c =>
            {
                var text = await KubeconfigDownload.FetchAsync(c, ct).ConfigureAwait(false);
                if (toStdout)
                {
                    io.Out.Write(text);
                    return 0;
                }
                try
                {
                    foreach (var rename in KubeconfigFile.Write(target, text, doMerge && File.Exists(target), r.GetValue(force)))
                        io.Out.WriteLine(rename.ToString());
                }
                catch (TalosException e)
                {
                    io.Error(e.Message);
                    return 1;
                }
                return 0;
            }).ConfigureAwait(false);
        }));
        return cmd;
    }

    /// <summary>The file to write (upstream's path rules), checked before the node is contacted.</summary>
    /// <exception cref="UsageException">The file exists and neither --merge nor --force was given.</exception>
    public static string Target(string? given, bool merge, bool force, out bool toStdout)
    {
        if (given is not null && string.IsNullOrWhiteSpace(given))
            throw new UsageException("the local path is empty: name a file or directory, \"-\" for stdout (with --merge=false), or leave it out for the default");
        toStdout = given == "-" && !merge;
        if (toStdout) return "-";
        var local = given ?? (merge ? DefaultPath() : Directory.GetCurrentDirectory());
        local = Path.GetFullPath(local);
        if (Directory.Exists(local)) local = Path.Combine(local, "kubeconfig");
        if (File.Exists(local) && !(force || merge))
            throw new UsageException($"kubeconfig file already exists, use --force to overwrite: \"{local}\"");
        return local;
    }

    /// <summary>The first path of <c>$KUBECONFIG</c>, else <c>~/.kube/config</c> (kubectl's default file).</summary>
    public static string DefaultPath() =>
        DefaultPath(Environment.GetEnvironmentVariable("KUBECONFIG"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary><see cref="DefaultPath()"/> from the given environment value and home directory.</summary>
    public static string DefaultPath(string? kubeconfigEnv, string home)
    {
        var first = kubeconfigEnv?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return first ?? Path.Combine(home, ".kube", "config");
    }
}
