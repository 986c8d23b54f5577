namespace Talos.Ctl.Gen;

/// <summary>
/// Writes a set of generated files all-or-nothing with respect to <c>--force</c>: every target is checked before
/// the first byte is written, so a refusal leaves the directory as it was. Each file is written to a temporary
/// name, flushed to disk and renamed, mode 0600 (they hold keys and tokens).
/// </summary>
public static class OutputFiles
{
    /// <summary>Writes <paramref name="files"/>; returns the full paths written, in order.</summary>
    /// <exception cref="OutputExistsException">A target exists and <paramref name="force"/> is false.</exception>
    public static IReadOnlyList<string> Write(IReadOnlyList<(string Path, string Content)> files, bool force)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!force)
        {
            foreach (var (path, _) in files)
                if (File.Exists(path) || Directory.Exists(path))
                    throw new OutputExistsException(path);
        }
        var written = new List<string>();
        foreach (var (path, content) in files)
        {
            WriteOne(path, content);
            written.Add(path);
        }
        return written;
    }

    /// <summary>Writes one file atomically (temp + fsync + rename), creating its directory.</summary>
    public static void WriteOne(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(fs.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            fs.Write(System.Text.Encoding.UTF8.GetBytes(content));
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
