using Talos.Core.State;
using Talos.Machined.Mirror;

namespace Talos.Integration.Tests.Audit;

/// <summary>
/// specs/audit.md "Streams that start at a checkpoint": the <see cref="StreamCheckpoint"/> JSON as the fleet store's
/// serializer writes it, which talosctl reads by property name without Marten.
/// </summary>
public sealed class StreamCheckpointDocumentGoldenJson
{
    [Fact]
    public void The_document_serializes_to_the_golden_json_and_starts_a_replay_at_its_checkpoint()
    {
        var snapshot = NodeState.Initial.ToSnapshot();
        var hash = new string('a', 64);
        var doc = StreamCheckpoint.From("node-1", new MirrorCheckpoint(41, hash, snapshot));
        using var store = AuditStore.Create("Host=127.0.105.1;Port=9", "golden");   // never connects: serializer only
        var json = store.Options.Serializer().ToJson(doc);
        var golden = $"{{\"Id\":\"node-1\",\"CheckpointSequence\":41,\"CheckpointHash\":\"{hash}\",\"Snapshot\":\"{Convert.ToBase64String(snapshot)}\",\"StateHash\":\"{NodeState.Initial.Hash}\"}}";
        Assert.Equal(golden, json);

        var start = doc.ToStart(out var problem);
        Assert.Null(problem);
        Assert.Equal((41UL, 41L, hash, NodeState.Initial.Hash), (start!.CheckpointSequence, start.PreviousSequence, start.PreviousHash, start.State.Hash));
        Assert.Equal("history before 42 was compacted on the node before the store received it (checkpoint at 41, state hash " + NodeState.Initial.Hash + ")", doc.Notice().Detail);
    }

    [Fact]
    public void A_snapshot_that_does_not_match_its_hash_is_an_error_not_a_start()
    {
        var doc = StreamCheckpoint.From("node-1", new MirrorCheckpoint(41, new string('a', 64), NodeState.Initial.ToSnapshot()));
        doc.StateHash = new string('0', 64);
        Assert.Null(doc.ToStart(out var problem));
        Assert.Equal(("checkpoint", Talos.Partitions.Audit.AuditSeverity.Error), (problem!.Kind, problem.Severity));
        doc.Snapshot = "not base64!";
        Assert.Null(doc.ToStart(out problem));
        Assert.Contains("does not decode", problem!.Detail, StringComparison.Ordinal);
    }
}
