using Talos.Core.Errors;

namespace Talos.Sequencer.Errors;

/// <summary>A sequence names a task the injected catalog does not implement (a wiring bug of the upper layer).</summary>
public sealed class UnknownTaskException(string task)
    : TalosException($"no implementation registered for task '{task}'; register it in the ITaskCatalog")
{
    /// <summary>The missing task name.</summary>
    public string Task { get; } = task;
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.Internal;
}
