using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Talos.Api.Cosi;
using Talos.Api.Events;
using Talos.Api.Machine;
using static Talos.Ctl.Tests.Commands.FakeMachineService;

namespace Talos.Ctl.Tests.Commands;

public sealed class ObserveCommandsPrintLikeUpstream : NodeCommandTestBase
{
    private static Resource Slot(string id, string version, bool booted, bool ok, uint tries) => new()
    {
        Metadata = new Talos.Api.Cosi.Metadata { Namespace = "runtime", Type = "BootSlots.runtime.talos.dev", Id = id, Version = "3", Owner = "BootSlotController", Phase = "running", Created = Timestamp.FromDateTimeOffset(T0), Updated = Timestamp.FromDateTimeOffset(T0) },
        Spec = new Spec
        {
            ProtoSpec = new BootSlotSpec { Slot = id, PartitionLabel = "BOOT-" + id, ImageVersion = version, Priority = booted ? 2u : 1u, TriesRemaining = tries, Successful = ok, Booted = booted }.ToByteString(),
            YamlSpec = $"slot: {id}\nimageVersion: {version}\nbooted: {(booted ? "true" : "false")}\n",
        },
    };

    private static ServiceInfo Service(string id, string state, bool healthy, string msg) => new()
    {
        Id = id,
        State = state,
        Health = new ServiceHealth { Healthy = healthy, LastMessage = healthy ? "" : msg },
        Events = new ServiceEvents
        {
            Events =
            {
                new ServiceEvent { Msg = "Starting service", State = "Preparing", Ts = Timestamp.FromDateTimeOffset(T0.AddSeconds(-50)) },
                new ServiceEvent { Msg = msg, State = state, Ts = Timestamp.FromDateTimeOffset(T0.AddSeconds(-10)) },
            },
        },
    };

    [Fact]
    public async Task Get_bootslots_prints_a_table_with_spec_columns_for_every_node()
    {
        foreach (var n in new[] { Node1, Node2 }) n.State.Resources.AddRange([Slot("A", "v1.2.0", true, true, 0), Slot("B", "v1.2.1", false, false, 3)]);
        var (rc, output, err) = await Run("get", "bootslots", "-n", "127.0.9.1,127.0.9.2");
        Assert.Equal("", err);
        Assert.Equal(0, rc);
        Assert.Equal(Lines(
            "NODE        NAMESPACE   TYPE       ID   VERSION   IMAGE VERSION   BOOTED   CONFIRMED   PRIORITY   TRIES LEFT",
            "127.0.9.1   runtime     BootSlot   A    3         v1.2.0          true     true        2          0",
            "127.0.9.1   runtime     BootSlot   B    3         v1.2.1          false    false       1          3",
            "127.0.9.2   runtime     BootSlot   A    3         v1.2.0          true     true        2          0",
            "127.0.9.2   runtime     BootSlot   B    3         v1.2.1          false    false       1          3"), output);
    }

    [Fact]
    public async Task Get_one_resource_as_yaml_and_json_and_a_missing_one_is_one_line()
    {
        Node1.State.Resources.Add(Slot("A", "v1.2.0", true, true, 0));
        var (_, yaml, _) = await Run("get", "bootslot", "A", "-o", "yaml");
        Assert.Equal(Lines(
            "node: 127.0.9.1", "metadata:", "    namespace: runtime", "    type: BootSlots.runtime.talos.dev", "    id: A", "    version: 3",
            "    owner: BootSlotController", "    phase: running", "    created: 2026-11-26T10:00:00Z", "    updated: 2026-11-26T10:00:00Z",
            "spec:", "    slot: A", "    imageVersion: v1.2.0", "    booted: true"), yaml);
        var (_, json, _) = await Run("get", "bootslot", "A", "-o", "json");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("127.0.9.1", doc.RootElement.GetProperty("node").GetString());
        Assert.Equal("v1.2.0", doc.RootElement.GetProperty("spec").GetProperty("imageVersion").GetString());
        var (rc, _, err) = await Run("get", "bootslot", "B");
        Assert.Equal(1, rc);
        Assert.Equal("error: 127.0.9.1: rpc error: code = NotFound desc = resource BootSlots.runtime.talos.dev/B doesn't exist\n", err);
    }

    [Fact]
    public async Task Get_watch_marks_created_and_destroyed_rows()
    {
        Node1.State.Resources.Add(Slot("A", "v1.2.0", true, true, 0));
        var (rc, output, _) = await Run("get", "bootslots", "--watch");
        Assert.Equal(0, rc);
        Assert.Equal(Lines(
            "NODE        *   NAMESPACE   TYPE       ID   VERSION   IMAGE VERSION   BOOTED   CONFIRMED   PRIORITY   TRIES LEFT",
            "127.0.9.1   +   runtime     BootSlot   A    3         v1.2.0          true     true        2          0",
            "127.0.9.1   -   runtime     BootSlot   A    3         v1.2.0          true     true        2          0"), output);
    }

    [Fact]
    public async Task Services_table_status_and_restart()
    {
        Node1.Machine.Services.AddRange([Service("etcd", "Running", true, "Health check successful"), Service("machined", "Running", true, "Service started as goroutine")]);
        var (_, table, _) = await Run("services");
        Assert.Equal(Lines(
            "NODE        SERVICE    STATE     HEALTH   LAST CHANGE   LAST EVENT",
            "127.0.9.1   etcd       Running   OK       5m10s ago     Health check successful",
            "127.0.9.1   machined   Running   OK       5m10s ago     Service started as goroutine"), table);
        var (_, status, _) = await Run("service", "etcd");
        Assert.Equal(Lines(
            "NODE     127.0.9.1", "ID       etcd", "STATE    Running", "HEALTH   OK",
            "EVENTS   [Running]: Health check successful (5m10s ago)",
            "         [Preparing]: Starting service (5m50s ago)"), status);
        var (_, restart, _) = await Run("service", "etcd", "restart");
        Assert.Equal(Lines("NODE        RESPONSE", "127.0.9.1   Service \"etcd\" restarted"), restart);
        var (rc, _, err) = await Run("service", "nope", "status");
        Assert.Equal(1, rc);
        Assert.Equal("error: 127.0.9.1: service \"nope\" is not registered (see \"talosctl services\")\n", err);
    }

    [Fact]
    public async Task Events_decode_upstream_payloads_and_node_events_into_upstream_columns()
    {
        Node1.Machine.EventStreams.Enqueue(new EventScript(
        [
            Upstream(12, "upgrade-7", new SequenceEvent { Sequence = "upgrade", Action = SequenceEvent.Types.Action.Start }),
            Upstream(13, "upgrade-7", new PhaseEvent { Phase = "install", Action = PhaseEvent.Types.Action.Start }),
            Node(14, "upgrade-7", new NodeEvent { ImageWrittenToSlot = new ImageWrittenToSlot { Slot = Talos.Api.Events.Slot.B, ImageRef = "installer:v1.2.1", Digest = "00112233445566778899", Version = "v1.2.1" } }),
            Upstream(15, "", new ServiceStateEvent { Service = "etcd", Action = ServiceStateEvent.Types.Action.Running, Message = "Health check successful" }),
            Node(16, "boot-2", new NodeEvent { RolledBack = new RolledBack { From = Talos.Api.Events.Slot.B, To = Talos.Api.Events.Slot.A, Reason = RollbackReason.TriesExhausted, TriesUsed = 3 } }),
        ]));
        var (rc, output, _) = await Run("events", "--tail", "-1", "--actor-id", "");
        Assert.Equal(0, rc);
        Assert.Equal(Lines(
            "NODE        ID   EVENT                                     ACTOR   SOURCE                MESSAGE",
            "127.0.9.1   12   talos/runtime/machine.SequenceEvent       upgrade-7   upgrade               Start",
            "127.0.9.1   13   talos/runtime/machine.PhaseEvent          upgrade-7   install               Start",
            "127.0.9.1   14   talos/runtime/talos.events.v1.NodeEvent   upgrade-7   ImageWrittenToSlot    slot B <- installer:v1.2.1 (v1.2.1, sha256:001122334455)",
            "127.0.9.1   15   talos/runtime/machine.ServiceStateEvent               etcd                  Running: Health check successful",
            "127.0.9.1   16   talos/runtime/talos.events.v1.NodeEvent   boot-2      RolledBack            rolled back B -> A: TriesExhausted after 3 tries"), output);
        Assert.Equal(-1, Assert.Single(Node1.Machine.EventRequests).TailEvents);
    }

    [Fact]
    public async Task Logs_and_dmesg_reassemble_lines_split_across_chunks_and_prefix_several_nodes()
    {
        foreach (var n in new[] { Node1, Node2 }) n.Machine.LogChunks.AddRange(["machined: boot ", "done\nmachined: api up\n", "last"]);
        var (rc, output, _) = await Run("logs", "machined", "--tail", "2");
        Assert.Equal(0, rc);
        Assert.Equal(Lines("machined: boot done", "machined: api up", "last"), output);
        Assert.Equal(2, Assert.IsType<LogsRequest>(Assert.Single(Node1.Machine.Requests)).TailLines);

        var (rc2, many, _) = await Run("dmesg", "-n", "127.0.9.1,127.0.9.2");
        Assert.Equal(0, rc2);
        var lines = many.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.Equal(new[] { "127.0.9.1: last", "127.0.9.1: machined: api up", "127.0.9.1: machined: boot done" }, lines.Where(l => l.StartsWith("127.0.9.1: ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        var (rc3, _, err) = await Run("logs", "kubelet");
        Assert.Equal(1, rc3);
        Assert.Equal("error: 127.0.9.1: rpc error: code = NotFound desc = service \"kubelet\" has no log\n", err);
    }

    [Fact]
    public async Task Etcd_members_table_and_snapshot_written_whole()
    {
        Node1.Machine.Members.Add(new EtcdMember { Id = 0xa1b2c3, Hostname = "cp-1", PeerUrls = { "https://127.0.9.1:2380" }, ClientUrls = { "https://127.0.9.1:2379" } });
        var (_, members, _) = await Run("etcd", "members");
        Assert.Equal(Lines(
            "NODE        ID       HOSTNAME   PEER URLS                CLIENT URLS              LEARNER",
            "127.0.9.1   a1b2c3   cp-1       https://127.0.9.1:2380   https://127.0.9.1:2379   false"), members);

        Node1.Machine.Snapshot = Enumerable.Range(0, 3500).Select(i => (byte)(i * 7)).ToArray();
        var (rc, output, _) = await Run("etcd", "snapshot", PathOf("db.snapshot"));
        Assert.Equal(0, rc);
        Assert.Equal($"etcd snapshot saved to \"{PathOf("db.snapshot")}\" (3500 bytes)\n", output);
        Assert.Equal(Node1.Machine.Snapshot, File.ReadAllBytes(PathOf("db.snapshot")));
        Assert.False(File.Exists(PathOf("db.snapshot.part")));

        // A Talos.NET snapshot (header "TNED", revision 9, 3 keys, SHA-256 trailer starting 0xdeadbeef) gets upstream's info line.
        var snap = new byte[48 + 10 + 32];
        "TNED"u8.CopyTo(snap);
        snap[23] = 9;
        snap[47] = 3;
        new byte[] { 0xde, 0xad, 0xbe, 0xef }.CopyTo(snap, 58);
        Node1.Machine.Snapshot = snap;
        var (_, info, _) = await Run("etcd", "snapshot", PathOf("db2.snapshot"));
        Assert.Equal($"etcd snapshot saved to \"{PathOf("db2.snapshot")}\" (90 bytes)\nsnapshot info: hash deadbeef, revision 9, total keys 3, total size 90\n", info);
    }
}
