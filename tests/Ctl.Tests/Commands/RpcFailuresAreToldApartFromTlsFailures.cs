using Grpc.Core;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// A status the node sent is reported with its own code and a hint; only a failed handshake is called a TLS problem
/// (issue 20 item 7: an Unavailable answer to etcd remove-member was printed as a rejected client certificate).
/// </summary>
public sealed class RpcFailuresAreToldApartFromTlsFailures : NodeCommandTestBase
{
    [Fact]
    public async Task An_unavailable_answer_is_reported_as_the_nodes_answer_not_as_a_tls_failure()
    {
        Node1.Machine.FailAll = new Status(StatusCode.Unavailable, "etcd is unavailable: the leader cp-1 (1) is unreachable and this member may not take over; check that the other control planes are running (talosctl etcd members)");
        var (rc, output, err) = await Run("etcd", "remove-member", "1");
        Assert.Equal(1, rc);
        Assert.Equal("", output);
        Assert.Equal("error: 127.0.9.1: rpc error: code = Unavailable desc = etcd is unavailable: the leader cp-1 (1) is unreachable and this member may not take over; " +
            "check that the other control planes are running (talosctl etcd members) (the node is reachable but cannot serve this request right now: retry shortly)\n", err);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "config is invalid", "rpc error: code = InvalidArgument desc = config is invalid (the node refused the request's input: fix it and retry; nothing was changed)")]
    [InlineData(StatusCode.FailedPrecondition, "Talos is not installed", "rpc error: code = FailedPrecondition desc = Talos is not installed (the node's current state does not allow this request)")]
    [InlineData(StatusCode.NotFound, "service \"x\" not found", "rpc error: code = NotFound desc = service \"x\" not found")]
    [InlineData(StatusCode.ResourceExhausted, "config too large", "rpc error: code = ResourceExhausted desc = config too large (the request or its answer is too large, or the node ran out of a resource)")]
    [InlineData(StatusCode.Unauthenticated, "no identity", "rpc error: code = Unauthenticated desc = no identity (the node did not accept the caller's identity: check the talosconfig context's certificate)")]
    [InlineData(StatusCode.Internal, "internal error (NullReferenceException); see the node's machined log", "rpc error: code = Internal desc = internal error (NullReferenceException); see the node's machined log (the node failed internally: see \"talosctl logs machined\" and \"talosctl dmesg\")")]
    [InlineData(StatusCode.Unknown, "boom", "rpc error: code = Unknown desc = boom (the node failed internally: see \"talosctl logs machined\" and \"talosctl dmesg\")")]
    [InlineData(StatusCode.DeadlineExceeded, "sequence lock not acquired within 1m", "timed out waiting for the node: sequence lock not acquired within 1m")]
    [InlineData(StatusCode.PermissionDenied, "not authorized", "permission denied: not authorized")]
    public async Task Each_status_the_node_sends_has_its_own_message(StatusCode code, string detail, string expected)
    {
        Node1.Machine.FailAll = new Status(code, detail);
        var (rc, _, err) = await Run("version");
        Assert.Equal(1, rc);
        Assert.Equal($"error: 127.0.9.1: {expected}\n", err);
        Assert.DoesNotContain("TLS", err);
    }
}
