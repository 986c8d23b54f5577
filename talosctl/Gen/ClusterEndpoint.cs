namespace Talos.Ctl.Gen;

/// <summary>The <c>&lt;cluster-endpoint&gt;</c> argument of <c>gen config</c>: checked as upstream does.</summary>
public static class ClusterEndpoint
{
    /// <summary>The Kubernetes API port suggested when the argument has none.</summary>
    public const int DefaultPort = 6443;

    /// <summary>
    /// Parses an absolute <c>http(s)://host:port</c> URL. Without a scheme or a port the error suggests the fixed
    /// form (upstream: <c>no scheme and port specified for the cluster endpoint URL</c> + <c>try: "..."</c>).
    /// </summary>
    /// <exception cref="GenInputException">The argument is not a usable endpoint URL.</exception>
    public static Uri Parse(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var hasScheme = endpoint.Contains("://", StringComparison.Ordinal);
        var withScheme = hasScheme ? endpoint : "https://" + endpoint;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new GenInputException("cluster-endpoint", $"failed to parse the cluster endpoint URL \"{endpoint}\": expected https://<host>:<port>, e.g. https://10.0.0.10:6443");
        var hasPort = HasExplicitPort(withScheme, uri);
        // Uri.Authority drops a scheme's default port, so host and port are put together by hand.
        var hostPort = $"{uri.Host}:{(hasPort ? uri.Port : DefaultPort)}";
        var fixedUrl = $"https://{hostPort}";
        if (!hasScheme)
            throw new GenInputException("cluster-endpoint",
                $"no scheme {(hasPort ? "" : "and port ")}specified for the cluster endpoint URL\ntry: \"{fixedUrl}\"");
        if (uri.Scheme is not ("https" or "http"))
            throw new GenInputException("cluster-endpoint", $"the cluster endpoint URL must use https (got \"{uri.Scheme}\")\ntry: \"{fixedUrl}\"");
        if (!hasPort)
            throw new GenInputException("cluster-endpoint", $"no port specified for the cluster endpoint URL\ntry: \"{fixedUrl}\"");
        return uri;
    }

    // Uri fills in the scheme's default port, so "was a port written?" is read from the authority text itself.
    private static bool HasExplicitPort(string text, Uri uri)
    {
        var afterScheme = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var authority = afterScheme.Split('/', '?', '#')[0];
        var hostEnd = authority.StartsWith('[') ? authority.IndexOf(']', StringComparison.Ordinal) + 1 : 0;
        return uri.Port > 0 && authority.IndexOf(':', Math.Max(hostEnd, 0)) >= 0;
    }
}
