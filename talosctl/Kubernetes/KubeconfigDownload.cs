using System.Formats.Tar;
using System.IO.Compression;
using Google.Protobuf.WellKnownTypes;
using Talos.Ctl.Client;

namespace Talos.Ctl.Kubernetes;

/// <summary>
/// Downloads the admin kubeconfig from a control-plane node (MachineService.Kubeconfig: a tar.gz holding one file
/// <c>kubeconfig</c>, in common.Data chunks; specs/api.md "Kubeconfig") and returns the file's text.
/// </summary>
public static class KubeconfigDownload
{
    /// <summary>Upper bound of the archive (a kubeconfig is a few KiB; a larger stream is not one).</summary>
    public const int MaxArchiveBytes = 4 << 20;

    /// <summary>Reads the stream and extracts <c>kubeconfig</c>.</summary>
    /// <exception cref="NodeCommandException">The stream is not a tar.gz holding a kubeconfig.</exception>
    public static async Task<string> FetchAsync(IMachineClient client, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var buffer = new MemoryStream();
        using (var call = client.Machine.Kubeconfig(new Empty(), client.Call(ct)))
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                call.ResponseStream.Current.Bytes.WriteTo(buffer);
                if (buffer.Length > MaxArchiveBytes) throw new NodeCommandException($"the kubeconfig archive exceeds {MaxArchiveBytes} bytes");
            }
        return Extract(buffer.ToArray());
    }

    /// <summary>The text of the <c>kubeconfig</c> entry of a tar.gz.</summary>
    /// <exception cref="NodeCommandException">Not a tar.gz, or no such entry.</exception>
    public static string Extract(byte[] archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        try
        {
            using var gz = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.Name != "kubeconfig" || entry.DataStream is null) continue;
                using var reader = new StreamReader(entry.DataStream);
                return reader.ReadToEnd();
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new NodeCommandException($"the node's kubeconfig archive is not a valid tar.gz: {e.Message}");
        }
        throw new NodeCommandException("the node's kubeconfig archive has no \"kubeconfig\" file");
    }
}
