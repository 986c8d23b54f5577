using System.Security.Cryptography;
using System.Text.Json;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// A directory of OCI image layouts: one layout per repository at <c>&lt;root&gt;/&lt;registry&gt;/&lt;repository&gt;/</c>
/// (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/&lt;hex&gt;</c>). Each tag is an <c>index.json</c> entry
/// annotated <c>org.opencontainers.image.ref.name=&lt;tag&gt;</c>; cosign signatures are tags
/// <c>sha256-&lt;hex&gt;.sig</c> in the same layout. Spec: <c>specs/images.md</c>.
/// </summary>
/// <remarks>
/// Crash safety: a blob is written to a temporary file, hashed while written, fsynced and renamed to its digest
/// name only when the digest matches; <c>index.json</c> is replaced by write-temp + fsync + rename. A crash
/// therefore leaves at most stray <c>*.tmp</c> files, never a blob under a wrong name or a torn index.
/// Not safe for concurrent writers to the same repository (one node writes its own store).
/// </remarks>
public sealed class LocalLayoutStore : IImageSource
{
    private static long _tmpCounter;

    /// <summary>The annotation that names a tag in index.json.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>Creates (or opens) a store rooted at <paramref name="root"/>.</summary>
    public LocalLayoutStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The store directory.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public string Description => "local image store " + Root;

    /// <summary>The layout directory of a repository.</summary>
    public string LayoutPath(ImageReference r) => Path.Combine(Root, r.Registry, r.Repository);

    /// <inheritdoc />
    public Task<FetchedManifest> GetManifestAsync(ImageReference reference, CancellationToken ct)
    {
        var entry = FindEntry(reference) ?? throw new ImageNotFoundException(reference.ToString(), Description);
        var path = BlobPath(reference, entry.Digest);
        if (!File.Exists(path)) throw new ImageNotFoundException($"{reference} (manifest blob {entry.Digest})", Description);
        var bytes = File.ReadAllBytes(path);
        var actual = OciDigest.Of(bytes);
        if (actual != entry.Digest) throw new ImageDigestMismatchException($"manifest of {reference} in {Description}", entry.Digest, actual);
        return Task.FromResult(new FetchedManifest(bytes, actual, entry.MediaType));
    }

    /// <inheritdoc />
    public Task<Stream> OpenBlobAsync(ImageReference reference, OciDescriptor blob, CancellationToken ct)
    {
        var path = BlobPath(reference, blob.Digest);
        if (!File.Exists(path)) throw new ImageNotFoundException($"{reference} (blob {blob.Digest})", Description);
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
    }

    /// <summary>Path of a blob file (it may not exist).</summary>
    public string BlobPath(ImageReference r, string digest) => Path.Combine(LayoutPath(r), "blobs", "sha256", OciDigest.Hex(digest));

    /// <summary>True when the blob is present.</summary>
    public bool HasBlob(ImageReference r, string digest) => File.Exists(BlobPath(r, digest));

    /// <summary>
    /// Stores the content of <paramref name="content"/> as a blob of <paramref name="r"/>'s repository, hashing while
    /// writing. When <paramref name="expectedDigest"/> is given the blob is kept only if it matches
    /// (<see cref="ImageDigestMismatchException"/> otherwise, nothing kept). Returns the digest and size.
    /// </summary>
    /// <remarks>With <paramref name="maxSize"/>, a stream longer than that is cut off and refused (a registry cannot fill the disk).</remarks>
    public async Task<(string Digest, long Size)> PutBlobAsync(ImageReference r, Stream content, string? expectedDigest, string what, CancellationToken ct, long maxSize = long.MaxValue)
    {
        var dir = EnsureLayout(r);
        var tmp = Path.Combine(dir, "blobs", "sha256", $".{Environment.ProcessId}-{Interlocked.Increment(ref _tmpCounter)}.tmp");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        try
        {
            await using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var buf = new byte[1 << 20];
                int n;
                while ((n = await content.ReadAsync(buf, ct)) > 0)
                {
                    hash.AppendData(buf, 0, n);
                    await f.WriteAsync(buf.AsMemory(0, n), ct);
                    size += n;
                    if (size > maxSize) throw new ImageDigestMismatchException(what + " (size)", maxSize.ToString(), $"more than {maxSize} bytes");
                }
                f.Flush(flushToDisk: true);
            }
            var digest = OciDigest.FromSha256(hash.GetHashAndReset());
            if (expectedDigest is not null && digest != expectedDigest) throw new ImageDigestMismatchException(what, expectedDigest, digest);
            File.Move(tmp, BlobPath(r, digest), overwrite: true);
            return (digest, size);
        }
        finally { File.Delete(tmp); }
    }

    /// <summary>Stores small content (manifests, configs, signature payloads) as a blob.</summary>
    public Task<(string Digest, long Size)> PutBlobAsync(ImageReference r, byte[] content, CancellationToken ct) =>
        PutBlobAsync(r, new MemoryStream(content, writable: false), OciDigest.Of(content), "blob", ct);

    /// <summary>Points tag <paramref name="tag"/> of the repository at a stored manifest blob (replacing the old entry).</summary>
    public void Tag(ImageReference r, string tag, string manifestDigest, long size, string mediaType = OciMediaTypes.Manifest)
    {
        if (!HasBlob(r, manifestDigest)) throw new ImageNotFoundException($"{r} (manifest blob {manifestDigest})", Description);
        var entries = ReadIndex(r).Where(e => e.Tag != tag).Append(new IndexEntry(tag, manifestDigest, size, mediaType)).OrderBy(e => e.Tag, StringComparer.Ordinal).ToList();
        WriteIndex(r, entries);
    }

    /// <summary>Tags in a repository, sorted.</summary>
    public IReadOnlyList<(string Tag, string Digest)> ListTags(ImageReference repository) =>
        ReadIndex(repository).Select(e => (e.Tag, e.Digest)).ToList();

    /// <summary>Every repository in the store as "registry/repository", sorted (a repository is a dir holding oci-layout).</summary>
    public IReadOnlyList<string> ListRepositories() =>
        Directory.EnumerateFiles(Root, "oci-layout", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, Path.GetDirectoryName(p)!).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(s => s, StringComparer.Ordinal).ToList();

    /// <summary>Hashes a stored blob and throws <see cref="ImageDigestMismatchException"/> if it no longer matches its name.</summary>
    public async Task VerifyBlobAsync(ImageReference r, OciDescriptor blob, CancellationToken ct)
    {
        await using var s = await OpenBlobAsync(r, blob, ct);
        var actual = OciDigest.FromSha256(await SHA256.HashDataAsync(s, ct));
        if (actual != blob.Digest) throw new ImageDigestMismatchException($"blob of {r} in {Description}", blob.Digest, actual);
        if (s.Length != blob.Size) throw new ImageDigestMismatchException($"blob of {r} in {Description} (size)", blob.Size.ToString(), s.Length.ToString());
    }

    private sealed record IndexEntry(string Tag, string Digest, long Size, string MediaType);

    private IndexEntry? FindEntry(ImageReference r)
    {
        var entries = ReadIndex(r);
        if (r.Digest is not null)
        {
            var byDigest = entries.FirstOrDefault(e => e.Digest == r.Digest);
            // A digest-pinned reference may name an untagged manifest: accept any stored blob of that digest.
            return byDigest ?? (HasBlob(r, r.Digest) ? new IndexEntry("", r.Digest, new FileInfo(BlobPath(r, r.Digest)).Length, OciMediaTypes.Manifest) : null);
        }
        return entries.FirstOrDefault(e => e.Tag == r.Tag);
    }

    private List<IndexEntry> ReadIndex(ImageReference r)
    {
        var path = Path.Combine(LayoutPath(r), "index.json");
        if (!File.Exists(path)) return [];
        var root = OciJson.Parse(File.ReadAllBytes(path), path);
        var list = new List<IndexEntry>();
        if (!root.TryGetProperty("manifests", out var ms) || ms.ValueKind != JsonValueKind.Array) return list;
        foreach (var m in ms.EnumerateArray())
        {
            var d = OciDescriptor.Read(m, path);
            if (d.Annotations?.TryGetValue(RefNameAnnotation, out var tag) == true) list.Add(new IndexEntry(tag, d.Digest, d.Size, d.MediaType));
        }
        return list;
    }

    private void WriteIndex(ImageReference r, IReadOnlyList<IndexEntry> entries)
    {
        var json = OciJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", OciMediaTypes.Index);
            w.WriteStartArray("manifests");
            foreach (var e in entries)
                new OciDescriptor(e.MediaType, e.Digest, e.Size, new Dictionary<string, string> { [RefNameAnnotation] = e.Tag }).Write(w);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        AtomicWrite(Path.Combine(LayoutPath(r), "index.json"), json);
    }

    private string EnsureLayout(ImageReference r)
    {
        var dir = LayoutPath(r);
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        var marker = Path.Combine(dir, "oci-layout");
        if (!File.Exists(marker)) AtomicWrite(marker, """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
        return dir;
    }

    private static void AtomicWrite(string path, byte[] content)
    {
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(content);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
