using System.Net;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Talos.Api.Machine;
using Talos.Core.Errors;
using Talos.Core.Pki;
using Talos.Machined.Api;
using Talos.Machined.Tests.Support;

namespace Talos.Machined.Tests.Api;

public sealed class UnknownServiceException(string id) : TalosException($"service '{id}' not found; run 'talosctl services' to list services")
{
    public override ErrorCode Code => ErrorCode.NotFound;
}

public sealed class SequenceLockedException() : TalosException("another sequence is running; retry when it ends")
{
    public override ErrorCode Code => ErrorCode.FailedPrecondition;
}

/// <summary>Records which service methods actually ran (to prove denied calls never reach service code).</summary>
public sealed class CallProbe
{
    private readonly List<string> _calls = [];
    public void Hit(string m) { lock (_calls) _calls.Add(m); }
    public IReadOnlyList<string> Calls { get { lock (_calls) return _calls.ToArray(); } }
}

/// <summary>A runtime-style MachineService plugged in through the host options and DI.</summary>
public sealed class ThrowingMachineService(ApiSecurityState state, CallProbe probe) : DefaultMachineService(state)
{
    public override Task<ServiceStartResponse> ServiceStart(ServiceStartRequest request, ServerCallContext context)
    {
        probe.Hit(nameof(ServiceStart) + ":" + context.GetCaller().Roles.Single());
        throw new UnknownServiceException(request.Id);
    }

    public override Task<RebootResponse> Reboot(RebootRequest request, ServerCallContext context)
    {
        probe.Hit(nameof(Reboot));
        throw new SequenceLockedException();
    }

    public override Task<ShutdownResponse> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        probe.Hit(nameof(Shutdown));
        throw new InvalidOperationException("secret internal detail");
    }

    public override async Task Dmesg(DmesgRequest request, IServerStreamWriter<Talos.Api.Common.Data> responseStream, ServerCallContext context)
    {
        probe.Hit(nameof(Dmesg));
        await responseStream.WriteAsync(new Talos.Api.Common.Data { Bytes = Google.Protobuf.ByteString.CopyFromUtf8("line 1\n") });
        throw new UnknownServiceException("kmsg");
    }
}

/// <summary>Exceptions become statuses in one place; denied calls never reach the plugged-in service.</summary>
public sealed class ErrorMappingTests : IAsyncLifetime
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.4.4");
    private readonly TestPki _pki = new(51, Address);
    private readonly CallProbe _probe = new();
    private MachinedApiHost _host = null!;
    private MachineService.MachineServiceClient _operator = null!;
    private Grpc.Net.Client.GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _host = await MachinedApiHost.StartAsync(new ApiHostOptions
        {
            Address = Address, Port = 0, Pki = _pki.Api, Configured = true,
            MachineService = typeof(ThrowingMachineService),
            ConfigureServices = s => s.AddSingleton(_probe),
        });
        _channel = ApiClient.Open(_host.EndPoint, _pki.Client(Roles.Operator), _pki.CaCertificate);
        _operator = new MachineService.MachineServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_host is not null)
            await _host.DisposeAsync();
    }

    [Fact]
    public async Task Talos_exceptions_map_to_their_status_with_their_message_and_others_to_internal_without_detail()
    {
        var notFound = await Assert.ThrowsAsync<RpcException>(async () => await _operator.ServiceStartAsync(new ServiceStartRequest { Id = "nope" }));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("service 'nope' not found; run 'talosctl services' to list services", notFound.Status.Detail);

        var locked = await Assert.ThrowsAsync<RpcException>(async () => await _operator.RebootAsync(new RebootRequest()));
        Assert.Equal(StatusCode.FailedPrecondition, locked.StatusCode);

        var bug = await Assert.ThrowsAsync<RpcException>(async () => await _operator.ShutdownAsync(new ShutdownRequest()));
        Assert.Equal(StatusCode.Internal, bug.StatusCode);
        Assert.DoesNotContain("secret", bug.Status.Detail);
        Assert.Contains("InvalidOperationException", bug.Status.Detail);

        // The plugged-in service saw the caller identity the interceptor resolved.
        Assert.Contains("ServiceStart:os:operator", _probe.Calls);
    }

    [Fact]
    public async Task A_stream_that_fails_midway_delivers_what_it_wrote_then_the_mapped_status()
    {
        using var call = _operator.Dmesg(new DmesgRequest());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal("line 1\n", call.ResponseStream.Current.Bytes.ToStringUtf8());
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Denied_calls_never_reach_the_service()
    {
        using var readerChannel = ApiClient.Open(_host.EndPoint, _pki.Client(Roles.Reader), _pki.CaCertificate);
        var reader = new MachineService.MachineServiceClient(readerChannel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await reader.ShutdownAsync(new ShutdownRequest()));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.DoesNotContain(nameof(MachineService.MachineServiceClient.Shutdown), _probe.Calls);
        // Version still comes from the default implementation the runtime subclassed.
        Assert.Single((await reader.VersionAsync(new Empty())).Messages);
    }
}

public sealed class StatusMappingTests
{
    [Fact]
    public void Every_error_code_maps_to_the_grpc_code_of_the_same_name()
    {
        foreach (var code in System.Enum.GetValues<ErrorCode>())
            Assert.Equal(System.Enum.Parse<StatusCode>(code.ToString()), StatusMapping.ToStatusCode(code));
    }

    [Fact]
    public void Cancellation_maps_to_cancelled_only_when_the_call_was_cancelled()
    {
        using var cts = new CancellationTokenSource();
        Assert.Equal(StatusCode.Internal, StatusMapping.ToRpcException(new OperationCanceledException(), cts.Token).StatusCode);
        cts.Cancel();
        Assert.Equal(StatusCode.Cancelled, StatusMapping.ToRpcException(new OperationCanceledException(), cts.Token).StatusCode);
    }
}
