using System.Text.Json;
using Npgsql;
using Talos.Partitions.Audit;

namespace Talos.Ctl.Offline;

/// <summary>
/// Reads one node's mirrored records straight from the fleet store's PostgreSQL tables, so talosctl needs neither
/// machined nor Marten. It depends on two facts of the store (issue #10): Marten keeps events in
/// <c>&lt;schema&gt;.mt_events</c> (stream_id, version, data jsonb), and each event's data is a MirroredEvent
/// (machined/Mirror/MirrorContracts.cs) serialized with its PascalCase property names.
/// </summary>
internal static class FleetStoreReader
{
    /// <summary>The node's registered key and latest signed head (<c>NodeHead</c> document), or null when unregistered.</summary>
    public static (byte[] Key, SignedHead? Head)? ReadHead(string connectionString, string schema, string nodeId)
    {
        CheckSchema(schema);
        using var conn = FleetConnection.Open(connectionString);
        using var exists = new NpgsqlCommand("select to_regclass(@t) is not null", conn);
        exists.Parameters.AddWithValue("t", $"\"{schema}\".mt_doc_nodehead");
        if (exists.ExecuteScalar() is not true) return null;
        using var cmd = new NpgsqlCommand($"select data::text from \"{schema}\".mt_doc_nodehead where id = @id", conn);
        cmd.Parameters.AddWithValue("id", nodeId);
        if (cmd.ExecuteScalar() is not string json) return null;
        using var doc = JsonDocument.Parse(json);
        var key = Convert.FromBase64String(doc.RootElement.GetProperty("PublicKey").GetString() ?? "");
        var head = doc.RootElement.GetProperty("Head").GetString() ?? "";
        return (key, head.Length == 0 ? null : SignedHead.Decode(Convert.FromBase64String(head)));
    }

    /// <summary>Every node (stream) the store holds, in ordinal order.</summary>
    public static IReadOnlyList<string> StreamIds(string connectionString, string schema)
    {
        CheckSchema(schema);
        using var conn = FleetConnection.Open(connectionString);
        using var cmd = new NpgsqlCommand($"select id from \"{schema}\".mt_streams order by id collate \"C\"", conn);
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>
    /// Where the node's stream starts when META had compacted its beginning before the store received it (the
    /// <c>StreamCheckpoint</c> document, machined/Mirror/StreamCheckpoint.cs), with the notice every replay of such a
    /// stream carries (or the error when the snapshot does not decode or match its hash); (null, null) for a stream from 1.
    /// </summary>
    public static (ExternalStart? Start, AuditProblem? Notice) ReadStart(string connectionString, string schema, string nodeId)
    {
        CheckSchema(schema);
        using var conn = FleetConnection.Open(connectionString);
        using var exists = new NpgsqlCommand("select to_regclass(@t) is not null", conn);
        exists.Parameters.AddWithValue("t", $"\"{schema}\".mt_doc_streamcheckpoint");
        if (exists.ExecuteScalar() is not true) return (null, null);   // a store whose streams all start at 1
        using var cmd = new NpgsqlCommand($"select data::text from \"{schema}\".mt_doc_streamcheckpoint where id = @id", conn);
        cmd.Parameters.AddWithValue("id", nodeId);
        if (cmd.ExecuteScalar() is not string json) return (null, null);
        using var doc = JsonDocument.Parse(json);
        var d = doc.RootElement;
        var seq = d.GetProperty("CheckpointSequence").GetInt64();
        var recorded = d.GetProperty("StateHash").GetString() ?? "";
        Talos.Core.State.NodeState state;
        try { state = Talos.Core.State.NodeState.FromSnapshot(Convert.FromBase64String(d.GetProperty("Snapshot").GetString() ?? "")); }
        catch (Exception e) when (e is Talos.Core.Errors.SnapshotDecodeException or FormatException)
        {
            return (null, new(AuditSeverity.Error, "checkpoint", (ulong)seq, $"the store's checkpoint snapshot at {seq} does not decode: {e.Message}"));
        }
        if (state.Hash != recorded)
            return (null, new(AuditSeverity.Error, "checkpoint", (ulong)seq, $"the store's checkpoint snapshot at {seq} hashes to {state.Hash}, the document says {recorded}"));
        return (new ExternalStart(state, (ulong)seq, seq, d.GetProperty("CheckpointHash").GetString() ?? ""),
            new(AuditSeverity.Warning, "compacted", (ulong)seq + 1,
                $"history before {seq + 1} was compacted on the node before the store received it (checkpoint at {seq}, state hash {recorded})"));
    }

    internal static void CheckSchema(string schema)
    {
        if (schema.Length == 0 || !schema.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"schema '{schema}' is not a plain identifier (letters, digits, underscore)", nameof(schema));
    }

    /// <summary>The node's records in stream order.</summary>
    /// <exception cref="ArgumentException">The schema name is not a plain identifier.</exception>
    public static IReadOnlyList<ExternalRecord> Read(string connectionString, string schema, string nodeId)
    {
        CheckSchema(schema);
        using var conn = FleetConnection.Open(connectionString);
        using var cmd = new NpgsqlCommand($"select version, data::text from \"{schema}\".mt_events where stream_id = @id order by version", conn);
        cmd.Parameters.AddWithValue("id", nodeId);
        using var reader = cmd.ExecuteReader();
        var list = new List<ExternalRecord>();
        while (reader.Read())
        {
            using var doc = JsonDocument.Parse(reader.GetString(1));
            var d = doc.RootElement;
            list.Add(new ExternalRecord(d.GetProperty("Sequence").GetInt64(), d.GetProperty("Time").GetDateTimeOffset(), d.GetProperty("Type").GetInt32(),
                Convert.FromBase64String(d.GetProperty("Payload").GetString() ?? ""), d.GetProperty("PreviousHash").GetString() ?? "", d.GetProperty("Hash").GetString() ?? ""));
        }
        return list;
    }
}
