namespace Talos.Upgrade.Images;

/// <summary>One entry of <c>machine.registries.mirrors</c>: endpoints tried in order, then (unless
/// <paramref name="SkipFallback"/>) the upstream registry, as upstream Talos configures containerd.</summary>
/// <param name="Endpoints">Mirror endpoint URLs, e.g. "http://127.0.5.1:5000"; "/v2/" is appended unless the path already ends in /v2.</param>
/// <param name="SkipFallback">When true the upstream registry is never contacted for this registry.</param>
public sealed record RegistryMirror(IReadOnlyList<string> Endpoints, bool SkipFallback = false);

/// <summary>
/// The mirror map: registry host (e.g. "docker.io", "ghcr.io") → <see cref="RegistryMirror"/>; the key "*" applies to
/// registries without their own entry. Upstream endpoints: docker.io → https://registry-1.docker.io; loopback hosts
/// (localhost, 127.0.0.0/8, [::1]) → http:// (as Docker treats them as insecure registries); others → https://.
/// </summary>
public sealed class RegistryMirrors(IReadOnlyDictionary<string, RegistryMirror> mirrors)
{
    /// <summary>No mirrors: every registry is contacted directly.</summary>
    public static RegistryMirrors None { get; } = new(new Dictionary<string, RegistryMirror>());

    /// <summary>The endpoints to try for <paramref name="registry"/>, in order.</summary>
    public IReadOnlyList<Uri> EndpointsFor(string registry)
    {
        var list = new List<Uri>();
        if (mirrors.TryGetValue(registry, out var m) || mirrors.TryGetValue("*", out m))
        {
            foreach (var e in m.Endpoints)
                list.Add(Uri.TryCreate(e, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
                    ? u : throw new ArgumentException($"registry mirror endpoint \"{e}\" for {registry} is not an http(s) URL"));
            if (m.SkipFallback) return list;
        }
        list.Add(Upstream(registry));
        return list;
    }

    /// <summary>The upstream endpoint of a registry host.</summary>
    public static Uri Upstream(string registry)
    {
        if (registry == ImageReference.DefaultRegistry) return new Uri("https://registry-1.docker.io");
        var host = registry.StartsWith('[') ? registry[..(registry.IndexOf(']') + 1)] : registry.Split(':')[0];
        var loopback = host == "localhost" || host == "[::1]" || host.StartsWith("127.", StringComparison.Ordinal);
        return new Uri((loopback ? "http://" : "https://") + registry);
    }
}
