using System.Security.Cryptography;
using System.Text;
using Talos.Ctl.Client;
using Talos.Ctl.Kubernetes;
using Talos.Machined.Kubernetes;

namespace Talos.Machined.Tests.Kubernetes;

/// <summary>The Kubeconfig RPC payload (specs/api.md §10.1): golden tar bytes, round trip, corruption.</summary>
public sealed class KubeconfigArchiveIsUpstreamShaped
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Text = "apiVersion: v1\nkind: Config\n";

    private static string Field(byte[] tar, int offset, int size) => Encoding.ASCII.GetString(tar, offset, size);

    [Fact]
    public void The_tar_header_matches_the_byte_table()
    {
        var tar = KubeconfigArchive.Tar(Text, T);
        Assert.Equal(512 + 512 + 1024, tar.Length);
        Assert.Equal("kubeconfig" + new string('\0', 90), Field(tar, 0, 100));
        Assert.Equal("0000600\0", Field(tar, 100, 8));
        Assert.Equal("0000000\0", Field(tar, 108, 8));
        Assert.Equal("0000000\0", Field(tar, 116, 8));
        Assert.Equal(Convert.ToString(Text.Length, 8).PadLeft(11, '0') + "\0", Field(tar, 124, 12));
        Assert.Equal(Convert.ToString(T.ToUnixTimeSeconds(), 8).PadLeft(11, '0') + "\0", Field(tar, 136, 12));
        Assert.Equal("0", Field(tar, 156, 1));
        Assert.Equal("ustar\0", Field(tar, 257, 6));
        Assert.Equal("00", Field(tar, 263, 2));
        // The checksum: the sum of the header bytes with the checksum field read as spaces.
        var header = tar[..512];
        var sum = header.Select((b, i) => i is >= 148 and < 156 ? (byte)' ' : b).Sum(b => (int)b);
        Assert.Equal(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ", Field(tar, 148, 8));
        Assert.Equal(Text, Field(tar, 512, Text.Length));
        Assert.All(tar[(512 + Text.Length)..], b => Assert.Equal(0, b));
        // Golden: byte-identical to Python's tarfile (USTAR_FORMAT, same fields), computed independently.
        Assert.Equal("23193586ddca29b7abbd227ad3a05bec22888a4c986c832999b203897d15a00d", Convert.ToHexStringLower(SHA256.HashData(tar)));
    }

    [Fact]
    public void Talosctl_extracts_what_the_node_packs_and_rejects_a_damaged_archive()
    {
        var archive = KubeconfigArchive.Pack(Text, T);
        Assert.Equal(new byte[] { 0x1f, 0x8b }, archive[..2]);   // gzip magic
        Assert.Equal(Text, KubeconfigDownload.Extract(archive));
        var damaged = archive.ToArray();
        damaged[2] = 0x00;   // compression method must be 8 (deflate)
        Assert.Contains("not a valid tar.gz", Assert.Throws<NodeCommandException>(() => KubeconfigDownload.Extract(damaged)).Message, StringComparison.Ordinal);
        Assert.Contains("has no \"kubeconfig\" file", Assert.Throws<NodeCommandException>(() => KubeconfigDownload.Extract(Gzip(new byte[1024]))).Message, StringComparison.Ordinal);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }
}
