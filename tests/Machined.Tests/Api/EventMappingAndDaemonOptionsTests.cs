using System.Net;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Config;
using Talos.Machined.Api;
using Talos.Machined.Daemon;
using Talos.Machined.Tests.Runtime;

namespace Talos.Machined.Tests.Api;

public sealed class EventMappingAndDaemonOptionsTests
{
    private static NodeEvent E(ulong seq, Action<NodeEvent> set)
    {
        var e = new NodeEvent { Sequence = seq, ActorId = "op-7", Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) };
        set(e);
        return e;
    }

    [Fact]
    public void Sequencer_events_become_upstream_messages_and_the_rest_travel_as_NodeEvent()
    {
        var failed = EventMapping.ToApi(E(42, e => e.SequenceFailed = new SequenceFailed { Sequence = "upgrade", Code = FailureCode.Locked, Message = "locked" }));
        Assert.Equal("42", failed.Id);
        Assert.Equal("op-7", failed.ActorId);
        Assert.Equal("talos/runtime/machine.SequenceEvent", failed.Data.TypeUrl);
        var seq = SequenceEvent.Parser.ParseFrom(failed.Data.Value);
        Assert.Equal(("upgrade", SequenceEvent.Types.Action.Stop, Talos.Api.Common.Error.Types.Code.Locked, "locked"),
            (seq.Sequence, seq.Action, seq.Error.Code, seq.Error.Message));
        // Golden bytes: field 1 "upgrade", field 2 STOP(2), field 3 {code LOCKED(1), message "locked"}.
        Assert.Equal("0a077570677261646510021a0a08011206" + "6c6f636b6564", Convert.ToHexStringLower(failed.Data.Value.ToByteArray()));

        Assert.Equal("talos/runtime/machine.PhaseEvent", EventMapping.ToApi(E(1, e => e.PhaseStarted = new PhaseStarted { Phase = "p" })).Data.TypeUrl);
        var task = EventMapping.ToApi(E(2, e => e.TaskCompleted = new TaskCompleted { Task = "writeSlot" }));
        Assert.Equal(("writeSlot", TaskEvent.Types.Action.Stop), (TaskEvent.Parser.ParseFrom(task.Data.Value).Task, TaskEvent.Parser.ParseFrom(task.Data.Value).Action));
        var svc = EventMapping.ToApi(E(3, e => e.ServiceStateChanged = new ServiceStateChanged { Service = "etcd", State = Talos.Api.Events.ServiceState.Running, Healthy = true }));
        var s = ServiceStateEvent.Parser.ParseFrom(svc.Data.Value);
        Assert.Equal(("etcd", ServiceStateEvent.Types.Action.Running, true), (s.Service, s.Action, s.Health.Healthy));

        var confirmed = E(4, e => e.BootConfirmed = new BootConfirmed { Slot = Slot.B, Version = "v1.9.1" });
        var api = EventMapping.ToApi(confirmed);
        Assert.Equal("talos/runtime/talos.events.v1.NodeEvent", api.Data.TypeUrl);
        Assert.Equal(confirmed, NodeEvent.Parser.ParseFrom(api.Data.Value));
    }

    [Theory]
    [InlineData("8GiB", 8L << 30)]
    [InlineData("256MiB", 256L << 20)]
    [InlineData("1048576", 1048576L)]
    [InlineData("2G", 2L << 30)]
    public void Sizes_parse(string text, long bytes) => Assert.Equal(bytes, DaemonOptions.ParseSize(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-5MiB")]
    [InlineData("12 parsecs")]
    [InlineData("1000")]   // not a multiple of 512
    public void Bad_sizes_are_refused_with_the_option_named(string text) =>
        Assert.Contains("--size", Assert.Throws<ArgumentException>(() => DaemonOptions.ParseSize(text)).Message);

    [Fact]
    public void The_command_line_parses_with_defaults_and_refuses_what_it_does_not_know()
    {
        var o = DaemonOptions.Parse(["--disk", "/tmp/n1.img", "--address", "127.0.0.12"]);
        Assert.Equal((IPAddress.Parse("127.0.0.12"), 50000, DaemonOptions.DefaultSize, "/tmp/images"), (o.Address, o.Port, o.Size, o.ImageStore));
        Assert.Equal(0, DaemonOptions.Parse(["--disk=/tmp/x.img", "--address=127.0.0.2", "--port=0"]).Port);
        Assert.Contains("--address", Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(["--disk", "x"])).Message);
        Assert.Contains("--frobnicate", Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(["--frobnicate", "1"])).Message);
        Assert.Contains("--port", Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(["--disk", "x", "--address", "127.0.0.1", "--port", "70000"])).Message);
        Assert.Contains("needs a value", Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(["--disk"])).Message);
    }

    [Fact]
    public void Redaction_removes_every_secret_and_keeps_the_rest()
    {
        var cfg = MachineConfig.Parse(System.Text.Encoding.UTF8.GetString(RuntimeFixture.Config()));
        var yaml = NodeResources.Redact(cfg).ToYaml();
        Assert.DoesNotContain("a2V5", yaml);                       // every CA key
        Assert.DoesNotContain("abcdef.0123456789abcdef", yaml);    // tokens
        Assert.DoesNotContain("c2VjcmV0", yaml);                   // cluster secret
        Assert.Contains("Y3J0", yaml);                             // certificates are public
        Assert.Contains("clusterName: demo", yaml);
    }
}
