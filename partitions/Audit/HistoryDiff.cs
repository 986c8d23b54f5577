using Talos.Core.Events;

namespace Talos.Partitions.Audit;

/// <summary>What <see cref="HistoryDiff.Compare"/> found.</summary>
/// <param name="FirstDivergent">First sequence where the histories differ (0 when they agree on every shared record).</param>
/// <param name="Differences">Field-level differences at <paramref name="FirstDivergent"/> (or the length/state difference).</param>
/// <param name="Shared">Number of sequences both hold.</param>
public sealed record HistoryDiffResult(long FirstDivergent, IReadOnlyList<string> Differences, int Shared)
{
    /// <summary>True when both histories hold the same records and fold to the same state hash.</summary>
    public bool Same => FirstDivergent == 0 && Differences.Count == 0;
}

/// <summary>
/// <c>audit diff</c> (issue #10): the first sequence where two histories differ — two sources of one node (disk,
/// fleet, node API) or two nodes — and what differs there (event type, time, payload fields, link, hash). Because each
/// hash covers the previous one, everything after the first divergent record differs too, so only it is explained.
/// </summary>
public static class HistoryDiff
{
    /// <summary>Compares <paramref name="a"/> with <paramref name="b"/> record by record over the sequences both hold.</summary>
    public static HistoryDiffResult Compare(AuditHistory a, AuditHistory b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var bySeq = b.Records.ToDictionary(r => r.Sequence);
        var shared = 0;
        foreach (var ra in a.Records)
        {
            if (!bySeq.TryGetValue(ra.Sequence, out var rb)) continue;
            shared++;
            if (ra.Hash == rb.Hash) continue;
            return new HistoryDiffResult(ra.Sequence, Explain(ra, rb), shared);
        }
        var diffs = new List<string>();
        if (a.LastSequence != b.LastSequence)
            diffs.Add($"length: {a.Source} ends at {a.LastSequence}, {b.Source} at {b.LastSequence}");
        if (a.FinalState.Hash != b.FinalState.Hash)
            diffs.Add($"state: {a.Source} folds to {a.FinalState.Hash}, {b.Source} to {b.FinalState.Hash}");
        var first = a.LastSequence != b.LastSequence ? Math.Min(a.LastSequence, b.LastSequence) + 1 : 0;
        return new HistoryDiffResult(first, diffs, shared);
    }

    private static List<string> Explain(ExternalRecord a, ExternalRecord b)
    {
        var d = new List<string>();
        if (a.Type != b.Type) d.Add($"type: {TypeName(a)} vs {TypeName(b)}");
        if (a.Time != b.Time) d.Add($"time: {a.Time:O} vs {b.Time:O}");
        if (a.PreviousHash != b.PreviousHash) d.Add($"previous hash: {a.PreviousHash} vs {b.PreviousHash} (the histories split earlier, before the shared range)");
        if (!a.Payload.AsSpan().SequenceEqual(b.Payload))
            d.AddRange(PayloadFields(a, b));
        d.Add($"hash: {a.Hash} vs {b.Hash}");
        return d;
    }

    /// <summary>The payload difference as canonical JSON properties that differ (raw lengths when a side does not decode).</summary>
    private static IEnumerable<string> PayloadFields(ExternalRecord a, ExternalRecord b)
    {
        string ja, jb;
        try
        {
            ja = EventCodec.ToCanonicalJson(EventCodec.Decode(a.Payload, checked((ushort)a.Type)));
            jb = EventCodec.ToCanonicalJson(EventCodec.Decode(b.Payload, checked((ushort)b.Type)));
        }
        catch (Exception e) when (e is Core.Errors.EventDecodeException or OverflowException)
        {
            return [$"payload: {a.Payload.Length} bytes vs {b.Payload.Length} bytes (one side does not decode: {e.Message})"];
        }
        var pa = Flatten(ja);
        var pb = Flatten(jb);
        return pa.Keys.Union(pb.Keys).Order(StringComparer.Ordinal)
            .Where(k => pa.GetValueOrDefault(k) != pb.GetValueOrDefault(k))
            .Select(k => $"payload {k}: {pa.GetValueOrDefault(k) ?? "(absent)"} vs {pb.GetValueOrDefault(k) ?? "(absent)"}");
    }

    private static Dictionary<string, string> Flatten(string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Walk(doc.RootElement, "", result);
        return result;
    }

    private static void Walk(System.Text.Json.JsonElement e, string path, Dictionary<string, string> into)
    {
        switch (e.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Walk(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, into);
                break;
            case System.Text.Json.JsonValueKind.Array:
                var i = 0;
                foreach (var x in e.EnumerateArray()) Walk(x, $"{path}[{i++}]", into);
                break;
            default:
                into[path] = e.GetRawText();
                break;
        }
    }

    private static string TypeName(ExternalRecord r) => $"{(Talos.Api.Events.NodeEvent.PayloadOneofCase)r.Type} ({r.Type})";
}
