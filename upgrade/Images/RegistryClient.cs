using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// One OCI distribution endpoint (<c>&lt;endpoint&gt;/v2/</c>): manifests and blobs, pull and push. Anonymous access
/// only (no token auth). The <see cref="HttpClient"/> is injected (timeouts and TLS are the caller's policy).
/// Errors: 404 → <see cref="ImageNotFoundException"/>; connection failure, timeout or 5xx →
/// <see cref="RegistryUnavailableException"/>; other statuses → <see cref="RegistryRequestException"/>;
/// a manifest that does not hash to its digest → <see cref="ImageDigestMismatchException"/>.
/// </summary>
public sealed class RegistryClient
{
    private const int MaxManifestBytes = 4 << 20;
    private static readonly string[] ManifestAccept = [OciMediaTypes.Manifest, OciMediaTypes.DockerManifest, OciMediaTypes.Index];
    private readonly HttpClient _http;

    /// <summary>Creates a client for <paramref name="endpoint"/> (e.g. http://127.0.5.1:5000 or https://ghcr.io).</summary>
    public RegistryClient(HttpClient http, Uri endpoint)
    {
        _http = http;
        var s = endpoint.ToString().TrimEnd('/');
        BaseUri = new Uri(s.EndsWith("/v2", StringComparison.Ordinal) ? s + "/" : s + "/v2/");
    }

    /// <summary>The API root, ending in "/v2/".</summary>
    public Uri BaseUri { get; }

    /// <summary>Fetches a manifest by tag or digest and verifies its digest.</summary>
    public async Task<FetchedManifest> GetManifestAsync(string repository, string reference, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, Url(repository, "manifests", reference));
        foreach (var a in ManifestAccept) req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(a));
        using var resp = await SendAsync(req, $"{repository}:{reference}", HttpCompletionOption.ResponseContentRead, ct);
        var bytes = await resp.Content.ReadAsByteArrayAsync(ct);
        if (bytes.Length > MaxManifestBytes) throw new InvalidInstallerImageException($"{repository}:{reference}", $"manifest of {bytes.Length} bytes exceeds {MaxManifestBytes}");
        var digest = OciDigest.Of(bytes);
        var what = $"manifest {repository}:{reference} from {BaseUri}";
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && digest != reference) throw new ImageDigestMismatchException(what, reference, digest);
        if (resp.Headers.TryGetValues("Docker-Content-Digest", out var h) && h.FirstOrDefault() is { } claimed && claimed != digest)
            throw new ImageDigestMismatchException(what, claimed, digest);
        var mediaType = resp.Content.Headers.ContentType?.MediaType ?? OciMediaTypes.Manifest;
        return new FetchedManifest(bytes, digest, mediaType);
    }

    /// <summary>Opens a blob stream (headers read, body streamed); the caller verifies the digest while reading.</summary>
    public async Task<Stream> OpenBlobAsync(string repository, string digest, CancellationToken ct)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, Url(repository, "blobs", digest));
        var resp = await SendAsync(req, $"{repository}@{digest}", HttpCompletionOption.ResponseHeadersRead, ct);
        return await resp.Content.ReadAsStreamAsync(ct);
    }

    /// <summary>True when the registry has the blob.</summary>
    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Head, Url(repository, "blobs", digest));
        try { using var _ = await SendAsync(req, $"{repository}@{digest}", HttpCompletionOption.ResponseHeadersRead, ct); return true; }
        catch (ImageNotFoundException) { return false; }
    }

    /// <summary>Uploads a blob (monolithic: POST to open the upload, PUT with the digest) unless it is already there.</summary>
    public async Task PushBlobAsync(string repository, string digest, long size, Func<Stream> open, CancellationToken ct)
    {
        if (await BlobExistsAsync(repository, digest, ct)) return;
        Uri location;
        using (var post = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri, $"{repository}/blobs/uploads/")))
        using (var resp = await SendAsync(post, repository, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            location = resp.Headers.Location ?? throw new RegistryRequestException("POST", post.RequestUri!.ToString(), (int)resp.StatusCode, "no Location header");
            if (!location.IsAbsoluteUri) location = new Uri(BaseUri, location);
        }
        var sep = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        await using var body = open();
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(location + sep + "digest=" + Uri.EscapeDataString(digest)))
        {
            Content = new StreamContent(body),
        };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        put.Content.Headers.ContentLength = size;
        using var _ = await SendAsync(put, $"{repository}@{digest}", HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>Uploads a manifest under <paramref name="reference"/> (tag or digest); checks the digest the registry reports.</summary>
    public async Task<string> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType, CancellationToken ct)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, Url(repository, "manifests", reference)) { Content = new ByteArrayContent(manifest) };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var resp = await SendAsync(put, $"{repository}:{reference}", HttpCompletionOption.ResponseHeadersRead, ct);
        var digest = OciDigest.Of(manifest);
        if (resp.Headers.TryGetValues("Docker-Content-Digest", out var h) && h.FirstOrDefault() is { } reported && reported != digest)
            throw new ImageDigestMismatchException($"manifest pushed to {BaseUri}{repository}", digest, reported);
        return digest;
    }

    /// <summary>Tags of a repository (GET /v2/&lt;name&gt;/tags/list), sorted.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, $"{repository}/tags/list"));
        using var resp = await SendAsync(req, repository, HttpCompletionOption.ResponseContentRead, ct);
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsByteArrayAsync(ct));
        if (!doc.RootElement.TryGetProperty("tags", out var tags) || tags.ValueKind != JsonValueKind.Array) return [];
        return tags.EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    private Uri Url(string repository, string kind, string reference) => new(BaseUri, $"{repository}/{kind}/{reference}");

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, string what, HttpCompletionOption option, CancellationToken ct)
    {
        HttpResponseMessage resp;
        try { resp = await _http.SendAsync(req, option, ct); }
        catch (HttpRequestException e) { throw new RegistryUnavailableException(what, [$"{BaseUri} ({e.Message})"], e); }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { throw new RegistryUnavailableException(what, [$"{BaseUri} (timeout)"], e); }
        if (resp.IsSuccessStatusCode) return resp;
        using (resp)
        {
            var body = req.Method == HttpMethod.Head ? "" : await resp.Content.ReadAsStringAsync(ct);
            if (body.Length > 300) body = body[..300];
            if (resp.StatusCode == HttpStatusCode.NotFound) throw new ImageNotFoundException(what, BaseUri.ToString());
            if ((int)resp.StatusCode >= 500) throw new RegistryUnavailableException(what, [$"{BaseUri} (HTTP {(int)resp.StatusCode})"]);
            throw new RegistryRequestException(req.Method.Method, req.RequestUri!.ToString(), (int)resp.StatusCode, body);
        }
    }
}
