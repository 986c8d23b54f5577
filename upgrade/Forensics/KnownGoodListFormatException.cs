using Talos.Core.Errors;

namespace Talos.Upgrade.Forensics;

/// <summary>A known-good list line that is not <c>&lt;digest&gt; &lt;version&gt;</c>. Nothing is verified against a list that does not parse.</summary>
public sealed class KnownGoodListFormatException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public KnownGoodListFormatException(string source, int line, string reason)
        : base($"{source}, line {line}: {reason}; fix the line (format: '<sha256 hex> <version>' per line, '#' for comments)")
    {
        Source = source;
        Line = line;
        Reason = reason;
    }

    /// <summary>File name or description of the list.</summary>
    public new string Source { get; }

    /// <summary>1-based line number.</summary>
    public int Line { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
