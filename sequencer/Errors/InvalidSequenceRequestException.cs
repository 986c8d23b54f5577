using Talos.Core.Errors;

namespace Talos.Sequencer.Errors;

/// <summary>A sequence request is contradictory or incomplete; nothing was started or recorded.</summary>
public sealed class InvalidSequenceRequestException(string sequence, string field, string problem)
    : TalosException($"invalid {sequence} request: {field}: {problem}; fix the request and retry")
{
    /// <summary>Wire name of the sequence.</summary>
    public string Sequence { get; } = sequence;
    /// <summary>The offending request field.</summary>
    public string Field { get; } = field;
    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
