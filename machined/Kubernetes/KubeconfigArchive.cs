using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Talos.Machined.Kubernetes;

/// <summary>
/// The payload of the Kubeconfig RPC, as upstream sends it: a gzip-compressed tar holding one regular file named
/// <c>kubeconfig</c> (mode 0600, ustar header, mtime = the node's clock), streamed in <c>common.Data</c> chunks.
/// Layout: specs/api.md "Kubeconfig".
/// </summary>
public static class KubeconfigArchive
{
    /// <summary>The file name inside the archive (upstream's).</summary>
    public const string FileName = "kubeconfig";

    /// <summary>The uncompressed tar bytes (what the golden test pins).</summary>
    public static byte[] Tar(string kubeconfig, DateTimeOffset modified)
    {
        ArgumentNullException.ThrowIfNull(kubeconfig);
        using var tar = new MemoryStream();
        using (var w = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, FileName)
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                ModificationTime = modified,
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig)),
            };
            w.WriteEntry(entry);
        }
        return tar.ToArray();
    }

    /// <summary>The tar.gz bytes.</summary>
    public static byte[] Pack(string kubeconfig, DateTimeOffset modified)
    {
        var tar = Tar(kubeconfig, modified);
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
            z.Write(tar);
        return gz.ToArray();
    }
}
