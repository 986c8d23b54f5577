using System.Net;
using System.Net.Http.Headers;
using Talos.Upgrade.Images;

namespace Talos.Simulation.Tests;

/// <summary>
/// An image-source fault (issue #11): an in-process OCI registry (<c>/v2/&lt;repo&gt;/manifests|blobs/...</c>) at
/// <see cref="Host"/> that serves the simulation's images from the local store, except that every blob stream over
/// 16 KiB (the installer payload) throws <see cref="IOException"/> half way: the connection dropped mid-download. An
/// upgrade to <c>flaky.example/...</c> therefore fails while it streams into the inactive slot; the node must keep
/// running its confirmed image. No socket is opened: the handler answers in memory.
/// </summary>
public sealed class FlakyRegistry(LocalLayoutStore store) : HttpMessageHandler
{
    public const string Host = "flaky.example";

    /// <summary>An image reference served by this registry (the local store's image of the same repository and tag).</summary>
    public static string Reference(string localReference)
    {
        var r = ImageReference.Parse(localReference);
        return $"{Host}/{r.Repository}:{r.Tag}";
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        await Task.Yield();
        var path = request.RequestUri!.AbsolutePath;   // /v2/<repository>/<kind>/<reference>
        var kindAt = Math.Max(path.LastIndexOf("/manifests/", StringComparison.Ordinal), path.LastIndexOf("/blobs/", StringComparison.Ordinal));
        if (request.RequestUri.Host != Host || !path.StartsWith("/v2/", StringComparison.Ordinal) || kindAt < 0)
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        var repository = path[4..kindAt];
        var rest = path[(kindAt + 1)..].Split('/', 2);
        var local = ImageReference.Parse($"ghcr.io/{repository}:{(rest[0] == "manifests" ? rest[1] : "latest")}");
        if (rest[0] == "manifests")
        {
            var m = await store.GetManifestAsync(local, ct);
            var content = new ByteArrayContent(m.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(m.MediaType);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }
        var file = store.BlobPath(local, rest[1]);
        if (!File.Exists(file)) return new HttpResponseMessage(HttpStatusCode.NotFound);
        var bytes = await File.ReadAllBytesAsync(file, ct);
        Stream body = bytes.Length > 16 << 10 ? new BreaksHalfWay(bytes) : new MemoryStream(bytes);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
    }

    /// <summary>Serves the first half of the bytes, then fails like a dropped connection.</summary>
    private sealed class BreaksHalfWay(byte[] bytes) : Stream
    {
        private int _pos;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var half = bytes.Length / 2;
            if (_pos >= half) throw new IOException($"connection reset by {Host} after {_pos} of {bytes.Length} bytes");
            var n = Math.Min(count, half - _pos);
            Array.Copy(bytes, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
