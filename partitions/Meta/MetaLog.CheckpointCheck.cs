namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    /// <summary>
    /// The checkpoint block names the last record it folded (sequence and hash, bytes 24..63). When the region still
    /// stores that record, or starts right after it (the first record's link is then that hash), the two must agree;
    /// otherwise the checkpoint or the records were rewritten (issue #22 item 3). Null when they agree or nothing can be
    /// compared (the record was compacted away and the region starts later).
    /// </summary>
    private string? CheckpointLinkMismatch(CheckpointHeader cp)
    {
        if (cp.CheckpointSequence == 0) return null;
        var view = Snapshot();
        string Hex(ReadOnlySpan<byte> h) => Convert.ToHexStringLower(h);
        if (cp.FirstSequence == cp.CheckpointSequence + 1)
            return cp.FirstPreviousHash.AsSpan().SequenceEqual(cp.CheckpointHash) ? null
                : $"the checkpoint says record {cp.CheckpointSequence} hashes {Hex(cp.CheckpointHash)}, but the region's first record {cp.FirstSequence} links to {Hex(cp.FirstPreviousHash)}";
        var i = IndexOf(view, cp.CheckpointSequence);
        if (i >= view.Count || SeqAt(view, i) != cp.CheckpointSequence) return null;
        var stored = RecordAt(view, i).Hash.Span;
        return stored.SequenceEqual(cp.CheckpointHash) ? null
            : $"the checkpoint says record {cp.CheckpointSequence} hashes {Hex(cp.CheckpointHash)}, but the stored record {cp.CheckpointSequence} hashes {Hex(stored)}";
    }
}
