using Microsoft.Extensions.Logging;

namespace Talos.Machined.Api;

/// <summary>Source-generated log messages of the API layer (STYLE.md §15).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "API listening on {EndPoint} ({Mode})")]
    public static partial void Listening(ILogger logger, string endPoint, string mode);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "client certificate rejected from {Remote}: {Reason}")]
    public static partial void ClientCertificateRejected(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "denied {Method} ({Mode}, roles [{Roles}]): {Reason}")]
    public static partial void CallDenied(ILogger logger, string method, ConnectionMode mode, string roles, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "unexpected error in {Method}")]
    public static partial void UnexpectedError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "API PKI rotated; new connections use certificate {Thumbprint}")]
    public static partial void PkiRotated(ILogger logger, string thumbprint);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "node configured: maintenance mode ends, new connections need a client certificate")]
    public static partial void LeftMaintenance(ILogger logger);
}
