using Talos.Core.Errors;

namespace Talos.Upgrade.Images.Errors;

/// <summary>A registry answered a request with an unexpected status (not 404, not 5xx), e.g. a refused push.</summary>
public sealed class RegistryRequestException(string method, string url, int status, string body)
    : TalosException($"registry refused {method} {url}: HTTP {status} {body}")
{
    /// <summary>HTTP method.</summary>
    public string Method { get; } = method;
    /// <summary>Request URL.</summary>
    public string Url { get; } = url;
    /// <summary>HTTP status code.</summary>
    public int Status { get; } = status;
    /// <summary>Response body (truncated), usually the registry's error JSON.</summary>
    public string Body { get; } = body;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}
