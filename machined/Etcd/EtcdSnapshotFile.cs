using System.Security.Cryptography;

namespace Talos.Machined.Etcd;

/// <summary>
/// The snapshot EtcdSnapshot streams and EtcdRecover accepts: the etcd data encoding followed by a 32-byte SHA-256
/// trailer over everything before it (real etcd appends the same kind of SHA-256 trailer to its bbolt snapshot,
/// which is what <c>--recover-skip-hash-check</c> skips). specs/formats/etcd-data.md §Snapshot.
/// </summary>
public static class EtcdSnapshotFile
{
    /// <summary>Length of the trailer.</summary>
    public const int TrailerSize = 32;

    /// <summary>The snapshot bytes of <paramref name="data"/>.</summary>
    public static byte[] Create(EtcdData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var body = data.Encode();
        var file = new byte[body.Length + TrailerSize];
        body.CopyTo(file, 0);
        SHA256.HashData(body, file.AsSpan(body.Length));
        return file;
    }

    /// <summary>
    /// Checks and decodes a snapshot. With <paramref name="skipHashCheck"/> the trailer is not compared (a copy of a
    /// data directory has none): then the bytes are decoded as they are when they do not end in a valid trailer.
    /// </summary>
    /// <exception cref="InvalidEtcdSnapshotException">Too short, checksum mismatch, or the body is not etcd data.</exception>
    public static EtcdData Read(ReadOnlySpan<byte> file, bool skipHashCheck)
    {
        if (file.Length < EtcdData.HeaderSize + (skipHashCheck ? 0 : TrailerSize))
            throw new InvalidEtcdSnapshotException($"{file.Length} bytes is too short to be a snapshot");
        var hashOk = file.Length >= EtcdData.HeaderSize + TrailerSize &&
                     SHA256.HashData(file[..^TrailerSize]).AsSpan().SequenceEqual(file[^TrailerSize..]);
        if (!hashOk && !skipHashCheck)
            throw new InvalidEtcdSnapshotException("the SHA-256 trailer does not match the content (truncated or modified)");
        try { return EtcdData.Decode(hashOk ? file[..^TrailerSize] : file); }
        catch (EtcdDataCorruptException e) { throw new InvalidEtcdSnapshotException(e.Reason); }
    }
}
