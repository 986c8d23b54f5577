using System.Buffers;
using System.Buffers.Binary;
using Microsoft.AspNetCore.Http;
using Talos.Core.Config.Yaml;

namespace Talos.Machined.Api;

/// <summary>
/// The node's one request size limit, and its answer for ApplyConfiguration (issue 22 item 1). A machine config may be
/// <see cref="YamlLimits.DefaultMaxBytes"/> (32 MiB, upstream's GRPCMaxMessageSize); a request message may be that plus
/// <see cref="EnvelopeBytes"/> for the request's other fields, so the handler itself refuses a config just over the
/// limit (ConfigTooLargeException). Larger ApplyConfiguration messages are answered here, from the gRPC frame header,
/// before the body is read: ResourceExhausted naming the limit (gRPC's own check says only "Received message exceeds
/// the maximum configured message size"; Kestrel's default 30,000,000-byte body limit, which answered Unknown, is off).
/// </summary>
internal static class RequestSizeGuard
{
    /// <summary>Room for the fields of a request besides its config (mode, dry run, try timeout): far more than needed.</summary>
    public const int EnvelopeBytes = 64 * 1024;

    /// <summary>Largest request (and reply) message the API accepts.</summary>
    public const int MaxMessageBytes = (int)YamlLimits.DefaultMaxBytes + EnvelopeBytes;

    /// <summary>The middleware: only ApplyConfiguration carries large input, and it is unary (its message is sent at once).</summary>
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path == RbacPolicy.ApplyConfigurationMethod && await DeclaredLengthAsync(context) is { } length
            && length > MaxMessageBytes)
        {
            var message = $"the request message is {length} bytes, over the limit of {MaxMessageBytes} bytes; a machine config may be at " +
                          $"most {YamlLimits.DefaultMaxBytes} bytes ({YamlLimits.DefaultMaxBytes / (1024 * 1024)} MiB); nothing was changed";
            // A trailers-only gRPC response (status in the headers, no body), as gRPC servers send for an early error.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }
        await next(context);
    }

    /// <summary>The length in the first gRPC frame header (1 byte flags, 4 bytes big-endian length), without consuming it.</summary>
    private static async Task<long?> DeclaredLengthAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        var read = await reader.ReadAtLeastAsync(5, context.RequestAborted);
        var buffer = read.Buffer;
        long? length = null;
        if (buffer.Length >= 5)
        {
            Span<byte> header = stackalloc byte[5];
            buffer.Slice(0, 5).CopyTo(header);
            length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        }
        reader.AdvanceTo(buffer.Start);   // nothing consumed: gRPC reads the frame as sent
        return length;
    }
}
