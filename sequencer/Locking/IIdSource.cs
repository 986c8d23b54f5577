namespace Talos.Sequencer.Locking;

/// <summary>Source of operation and run ids (injected: domain code never calls Guid.NewGuid, STYLE.md §8).</summary>
public interface IIdSource
{
    /// <summary>A new unique id.</summary>
    string NextId();
}

/// <summary>Deterministic ids <c>prefix-1</c>, <c>prefix-2</c>, ... (thread-safe).</summary>
public sealed class SequentialIdSource(string prefix = "op") : IIdSource
{
    private long _next;

    /// <inheritdoc />
    public string NextId() => $"{prefix}-{Interlocked.Increment(ref _next)}";
}
