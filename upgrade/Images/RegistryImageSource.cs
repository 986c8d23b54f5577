using Talos.Upgrade.Images.Errors;

namespace Talos.Upgrade.Images;

/// <summary>
/// Pulls from OCI registries through the mirror map: for each request the endpoints of the image's registry are
/// tried in order (mirrors, then upstream unless skipped). When all fail the most specific error wins: a digest
/// mismatch (tampering) over not-found over unreachable.
/// </summary>
public sealed class RegistryImageSource(HttpClient http, RegistryMirrors mirrors) : IImageSource
{
    /// <inheritdoc />
    public string Description => "registries (with mirrors)";

    /// <inheritdoc />
    public Task<FetchedManifest> GetManifestAsync(ImageReference reference, CancellationToken ct) =>
        TryEachAsync(reference, c => c.GetManifestAsync(reference.Repository, reference.ManifestReference, ct));

    /// <inheritdoc />
    public Task<Stream> OpenBlobAsync(ImageReference reference, OciDescriptor blob, CancellationToken ct) =>
        TryEachAsync(reference, c => c.OpenBlobAsync(reference.Repository, blob.Digest, ct));

    private async Task<T> TryEachAsync<T>(ImageReference reference, Func<RegistryClient, Task<T>> op)
    {
        var failures = new List<Exception>();
        var tried = new List<string>();
        foreach (var endpoint in mirrors.EndpointsFor(reference.Registry))
        {
            var client = new RegistryClient(http, endpoint);
            try { return await op(client); }
            catch (Exception e) when (e is ImageNotFoundException or RegistryUnavailableException or RegistryRequestException or ImageDigestMismatchException)
            {
                failures.Add(e);
                tried.Add($"{client.BaseUri} ({Short(e)})");
            }
        }
        throw failures.OfType<ImageDigestMismatchException>().FirstOrDefault()
            ?? (Exception?)(failures.OfType<ImageNotFoundException>().Any() ? new ImageNotFoundException(reference.ToString(), string.Join(", ", tried)) : null)
            ?? new RegistryUnavailableException(reference.ToString(), tried, failures.LastOrDefault());
    }

    private static string Short(Exception e) => e switch
    {
        ImageNotFoundException => "not found",
        RegistryUnavailableException u => "unreachable: " + string.Join("; ", u.Endpoints),
        RegistryRequestException r => $"HTTP {r.Status}",
        _ => e.Message,
    };
}
