using Talos.Machined.Mirror;

namespace Talos.Simulation.Tests.Fleet;

/// <summary>
/// The mirror's pass (the algorithm of <see cref="FleetMirror.SyncOnceAsync"/>) against <see cref="SimFleetStore"/>: read the
/// stream version, append the missing tail in batches with expected version = last mirrored sequence, re-read on a
/// conflict, acknowledge what the store holds to the log; an outage ends the pass with an error (retried next pass).
/// The source side is the real one (<see cref="MetaLogMirrorSource"/> over the node's META log). FleetMirror itself is
/// bound to Marten's IDocumentStore, so this pass is a copy of its loop, not a call to it.
/// </summary>
public static class SimFleetMirror
{
    /// <summary>One pass of <paramref name="source"/> into <paramref name="store"/>.</summary>
    public static MirrorResult SyncOnce(SimFleetStore store, IMirrorSource source, int batch)
    {
        int appended = 0, conflicts = 0;
        long version = 0;
        try
        {
            version = store.Version(source.NodeId);
            while ((ulong)version < source.LastSequence)
            {
                var tail = source.Read((ulong)version + 1, batch);
                if (tail.Count == 0) break;
                if (store.TryAppend(source.NodeId, version, tail))
                {
                    appended += tail.Count;
                    version = tail[^1].Sequence;
                    source.AcknowledgeMirrored((ulong)version);
                }
                else
                {
                    conflicts++;
                    version = store.Version(source.NodeId);
                }
            }
            return new MirrorResult(appended, version, (long)source.LastSequence - version, conflicts, null);
        }
        // A stale version read below the log's first record asks for records a checkpoint compacted after the store
        // acknowledged them: the runtime restarts its mirror after such a failure (NodeRuntime.Mirror), with a fresh read.
        catch (Exception e) when (e is SimStoreUnavailableException or Talos.Partitions.Meta.MetaLogCompactedException)
        {
            return new MirrorResult(appended, version, (long)source.LastSequence - version, conflicts, e.Message);
        }
    }
}
