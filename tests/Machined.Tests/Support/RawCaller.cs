using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace Talos.Machined.Tests.Support;

/// <summary>One served gRPC method, as its full name and call shape.</summary>
public sealed record ServedMethod(string FullName, MethodType Type)
{
    public override string ToString() => FullName;

    public static ServedMethod From(MethodDescriptor m) => new($"/{m.Service.FullName}/{m.Name}",
        (m.IsClientStreaming, m.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        });
}

/// <summary>What the client saw.</summary>
public sealed record CallOutcome(StatusCode Status, string Detail);

/// <summary>
/// Calls any method with an empty request (a valid encoding of every proto3 message) through raw byte
/// marshallers, and reports the status the client saw: OK, or the RpcException's code.
/// </summary>
public static class RawCaller
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static async Task<StatusCode> CallAsync(GrpcChannel channel, ServedMethod method, Metadata? headers = null) =>
        (await CallWithDetailAsync(channel, method, headers)).Status;

    public static async Task<CallOutcome> CallWithDetailAsync(GrpcChannel channel, ServedMethod method, Metadata? headers)
    {
        var slash = method.FullName.LastIndexOf('/');
        var m = new Method<byte[], byte[]>(method.Type, method.FullName[1..slash], method.FullName[(slash + 1)..], Bytes, Bytes);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var options = new CallOptions(headers, cancellationToken: cts.Token);
        var invoker = channel.CreateCallInvoker();
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(m, null, options, []).ResponseAsync;
                    break;
                case MethodType.ServerStreaming:
                {
                    // Reading one message (or the end) proves the call passed authorization; then cancel.
                    using var call = invoker.AsyncServerStreamingCall(m, null, options, []);
                    await call.ResponseStream.MoveNext(cts.Token);
                    break;
                }
                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(m, null, options);
                    await CompleteQuietly(call.RequestStream);
                    await call.ResponseAsync;
                    break;
                }
                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(m, null, options);
                    await CompleteQuietly(call.RequestStream);
                    await call.ResponseStream.MoveNext(cts.Token);
                    break;
                }
            }
            return new CallOutcome(StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return new CallOutcome(e.StatusCode, e.Status.Detail);
        }
    }

    // The server may fail the call before the client finishes its request stream; the status says why.
    private static async Task CompleteQuietly(IClientStreamWriter<byte[]> writer)
    {
        try { await writer.CompleteAsync(); }
        catch (RpcException) { }
        catch (InvalidOperationException) { }
    }
}
