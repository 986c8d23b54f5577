namespace Talos.Ctl.Gen;

/// <summary>
/// Writes a kubeconfig to disk with <c>talosctl kubeconfig [path] [--force] [--merge]</c> semantics: a missing file is
/// created; an existing one is merged into (<see cref="KubeconfigMerge"/>) when <c>merge</c> is set (clashing
/// entries renamed, or replaced with <c>force</c>), overwritten with <c>force</c> alone, and otherwise refused. Files are written atomically, mode 0600.
/// </summary>
public static class KubeconfigFile
{
    /// <summary>Writes or merges; returns the renames made (empty unless merged into a clashing file).</summary>
    /// <exception cref="OutputExistsException">The file exists and neither merge nor force was asked for.</exception>
    /// <exception cref="KubeconfigException">The existing file is not a kubeconfig (merge); it is left untouched.</exception>
    public static IReadOnlyList<KubeconfigRename> Write(string path, string kubeconfig, bool merge, bool force)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(kubeconfig);
        if (!File.Exists(path) || (force && !merge))
        {
            OutputFiles.WriteOne(path, KubeconfigMerge.Merge("", kubeconfig).Yaml);
            return [];
        }
        if (!merge)
            throw new OutputExistsException(path);
        var result = KubeconfigMerge.Merge(File.ReadAllText(path), kubeconfig, overwrite: force);
        OutputFiles.WriteOne(path, result.Yaml);
        return result.Renames;
    }
}
