using Talos.Ctl.Config;

namespace Talos.Ctl.Cluster;

/// <summary>One node of a local cluster: its process, address, disk and role.</summary>
public sealed class ClusterNode
{
    /// <summary>Node name, e.g. talos-default-controlplane-1.</summary>
    public string Name { get; set; } = "";
    /// <summary>"controlplane" or "worker".</summary>
    public string Role { get; set; } = "";
    /// <summary>Loopback address the node's machined listens on (port 50000).</summary>
    public string Address { get; set; } = "";
    /// <summary>Disk image path.</summary>
    public string Disk { get; set; } = "";
    /// <summary>machined's log file.</summary>
    public string Log { get; set; } = "";
    /// <summary>PID of the machined process.</summary>
    public int Pid { get; set; }
}

/// <summary>
/// What <c>talosctl cluster create</c> started, saved as <c>cluster.yaml</c> in the cluster's state directory, so that
/// <c>cluster show</c> and <c>cluster destroy</c> find every process and file.
/// </summary>
public sealed class ClusterState
{
    /// <summary>Cluster name.</summary>
    public string Name { get; set; } = "";
    /// <summary>State directory (disks, logs, image store, configs).</summary>
    public string Directory { get; set; } = "";
    /// <summary>The nodes.</summary>
    public List<ClusterNode> Nodes { get; set; } = new();

    /// <summary>The file in <paramref name="dir"/>.</summary>
    public static string PathIn(string dir) => System.IO.Path.Combine(dir, "cluster.yaml");

    /// <summary>Loads the state of a cluster, or null when it does not exist.</summary>
    public static ClusterState? Load(string dir)
    {
        var p = PathIn(dir);
        return File.Exists(p) ? ClusterStateYaml.Read(File.ReadAllText(p), p) : null;
    }

    /// <summary>Saves (atomically).</summary>
    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var tmp = PathIn(Directory) + ".tmp";
        File.WriteAllText(tmp, ClusterStateYaml.Write(this));
        File.Move(tmp, PathIn(Directory), overwrite: true);
    }

    /// <summary>Default root of cluster state directories: ~/.talos/clusters.</summary>
    public static string DefaultRoot() =>
        System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".talos", "clusters");
}
