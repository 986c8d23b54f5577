using Talos.Machined.Mirror;

namespace Talos.Simulation.Tests.Fleet;

/// <summary>The simulated fleet store is down (the stand-in for an unreachable PostgreSQL): the mirror retries later.</summary>
public sealed class SimStoreUnavailableException(string message) : Exception(message);

/// <summary>
/// A SIMULATED fleet store: in memory, not PostgreSQL/Marten (the real one is tested in Integration.Tests). It keeps the
/// contract the mirror relies on in Marten (see <see cref="MirroredEvent"/>): one stream per node whose version is the
/// META sequence, appends with an expected version that refuse a gap or a duplicate. Faults, set by the simulation:
/// an outage (every call fails), a lost acknowledgement (the append commits, the caller sees an error) and a stale
/// version read (the caller's next append conflicts, as when another shipper appended first).
/// </summary>
public sealed class SimFleetStore
{
    /// <summary>What this store is, for every report that mentions it.</summary>
    public const string Kind = "simulated in-memory fleet store (not PostgreSQL)";

    private readonly Dictionary<string, List<MirroredEvent>> _streams = new(StringComparer.Ordinal);

    /// <summary>
    /// A deliberately broken store for the checkers' own test: it appends whatever it gets at the end of the stream,
    /// ignoring the expected version (a Marten stream without its unique (stream, version) index).
    /// </summary>
    public bool IgnoresExpectedVersion { get; init; }

    /// <summary>True during an outage.</summary>
    public bool Down { get; set; }

    /// <summary>The next successful append commits but reports a failure.</summary>
    public bool LoseNextAck { get; set; }

    /// <summary>The next version read is this many events behind.</summary>
    public int StaleNextRead { get; set; }

    public long Appends { get; private set; }
    public long AppendedEvents { get; private set; }
    public long RefusedCalls { get; private set; }
    public long LostAcks { get; private set; }
    public long Conflicts { get; private set; }

    /// <summary>The node's stream version (its last sequence; 0 when it has none).</summary>
    public long Version(string nodeId)
    {
        Gate("read version");
        var v = _streams.TryGetValue(nodeId, out var s) ? s.Count : 0;
        if (StaleNextRead > 0 && v > 0)
        {
            v = Math.Max(0, v - StaleNextRead);
            StaleNextRead = 0;
        }
        return v;
    }

    /// <summary>
    /// Appends <paramref name="events"/> when the stream is at <paramref name="expectedVersion"/>; false (nothing
    /// written) when it is not. Events that do not continue the version one by one are a caller bug: refused loudly.
    /// </summary>
    public bool TryAppend(string nodeId, long expectedVersion, IReadOnlyList<MirroredEvent> events)
    {
        Gate("append");
        if (!_streams.TryGetValue(nodeId, out var s)) _streams[nodeId] = s = new List<MirroredEvent>();
        if (s.Count != expectedVersion && !IgnoresExpectedVersion)
        {
            Conflicts++;
            return false;
        }
        for (var i = 0; i < events.Count; i++)
            if (events[i].Sequence != expectedVersion + 1 + i && !IgnoresExpectedVersion)
                throw new InvalidOperationException($"{Kind}: stream {nodeId} at version {expectedVersion} got sequence {events[i].Sequence} at position {i}");
        s.AddRange(events);
        Appends++;
        AppendedEvents += events.Count;
        if (!LoseNextAck) return true;
        LoseNextAck = false;
        LostAcks++;
        throw new SimStoreUnavailableException($"{Kind}: connection lost after the commit of {events.Count} events");
    }

    /// <summary>The node's stream, in version order.</summary>
    public IReadOnlyList<MirroredEvent> Stream(string nodeId) => _streams.TryGetValue(nodeId, out var s) ? s.ToList() : [];

    /// <summary>SHA-256 over every stream (node id, sequence, record hash): equal digests, equal stores.</summary>
    public string Digest() => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        string.Join("\n", _streams.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Select(m => $"{p.Key} {m.Sequence} {m.Hash}"))))));

    private void Gate(string what)
    {
        if (!Down) return;
        RefusedCalls++;
        throw new SimStoreUnavailableException($"{Kind} is down ({what})");
    }

    public override string ToString() => Kind;
}
