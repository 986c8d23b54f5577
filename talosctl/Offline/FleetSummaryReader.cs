using System.Globalization;
using Npgsql;

namespace Talos.Ctl.Offline;

/// <summary>One node's row of the fleet's NodeSummary read model (machined/Mirror/NodeSummary.cs).</summary>
internal sealed record FleetNodeRow(string Id, string Hostname, string Role, string Version, string BootedSlot, string ConfirmedSlot,
    string ImageDigest, long LastSequence, long Rollbacks, DateTimeOffset? LastRollbackAt, DateTimeOffset? LastSeen, long SignedSequence);

/// <summary>Which nodes <c>audit fleet</c> lists; set filters combine with AND, none lists every node.</summary>
internal sealed record FleetFilter(string? ImageDigest, string? Version, DateTimeOffset? RolledBackSince, DateTimeOffset? SeenBefore);

/// <summary>
/// The fleet questions (issue #10) straight over PostgreSQL, so talosctl needs no Marten: Marten keeps each
/// document as <c>&lt;schema&gt;.mt_doc_&lt;type&gt;</c> (id, data jsonb with PascalCase property names).
/// Lagging = not seen since a time, or a signed head (<c>mt_doc_nodehead</c>) ahead of what the store holds.
/// </summary>
internal static class FleetSummaryReader
{
    private const string Columns = """
        n.data->>'Id', coalesce(n.data->>'Hostname',''), coalesce(n.data->>'Role',''), coalesce(n.data->>'Version',''),
        coalesce(n.data->>'BootedSlot',''), coalesce(n.data->>'ConfirmedSlot',''), coalesce(n.data->>'ImageDigest',''),
        coalesce((n.data->>'LastSequence')::bigint, 0), coalesce((n.data->>'Rollbacks')::bigint, 0),
        (n.data->>'LastRollbackAt')::timestamptz, (n.data->>'LastSeen')::timestamptz, coalesce((h.data->>'Sequence')::bigint, 0)
        """;

    /// <summary>The nodes matching <paramref name="f"/>, ordered by id.</summary>
    public static IReadOnlyList<FleetNodeRow> Query(string connectionString, string schema, FleetFilter f)
    {
        FleetStoreReader.CheckSchema(schema);
        using var conn = FleetConnection.Open(connectionString);
        using (var exists = new NpgsqlCommand("select to_regclass(@t) is not null", conn))
        {
            exists.Parameters.AddWithValue("t", $"\"{schema}\".mt_doc_nodesummary");
            if (exists.ExecuteScalar() is not true) throw new ArgumentException($"schema {schema} holds no fleet read models (mt_doc_nodesummary): is it the fleet store's schema?");
        }
        var heads = HasHeads(conn, schema) ? $"left join \"{schema}\".mt_doc_nodehead h on h.id = n.id" : "left join (select null::text as id, null::jsonb as data) h on false";
        var where = new List<string>();
        using var cmd = new NpgsqlCommand { Connection = conn };
        if (f.ImageDigest is { } d) { where.Add("n.data->>'ImageDigest' = @digest"); cmd.Parameters.AddWithValue("digest", Normalize(d)); }
        if (f.Version is { } v) { where.Add("n.data->>'Version' = @version"); cmd.Parameters.AddWithValue("version", v); }
        if (f.RolledBackSince is { } s) { where.Add("(n.data->>'LastRollbackAt')::timestamptz >= @since"); cmd.Parameters.AddWithValue("since", s.UtcDateTime); }
        if (f.SeenBefore is { } b)
        {
            where.Add("((n.data->>'LastSeen')::timestamptz < @seen or coalesce((h.data->>'Sequence')::bigint, 0) > coalesce((n.data->>'LastSequence')::bigint, 0))");
            cmd.Parameters.AddWithValue("seen", b.UtcDateTime);
        }
        cmd.CommandText = $"select {Columns} from \"{schema}\".mt_doc_nodesummary n {heads}"
            + (where.Count > 0 ? " where " + string.Join(" and ", where) : "") + " order by n.data->>'Id'";
        using var r = cmd.ExecuteReader();
        var rows = new List<FleetNodeRow>();
        while (r.Read())
            rows.Add(new FleetNodeRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetInt64(7), r.GetInt64(8), Time(r, 9), Time(r, 10), r.GetInt64(11)));
        return rows;
    }

    private static bool HasHeads(NpgsqlConnection conn, string schema)
    {
        using var c = new NpgsqlCommand("select to_regclass(@t) is not null", conn);
        c.Parameters.AddWithValue("t", $"\"{schema}\".mt_doc_nodehead");
        return c.ExecuteScalar() is true;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) =>
        r.IsDBNull(i) ? null : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc));

    private static string Normalize(string d) => (d.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? d[7..] : d).ToLower(CultureInfo.InvariantCulture);
}
