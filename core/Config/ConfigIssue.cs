namespace Talos.Core.Config;

/// <summary>One problem found while reading a config or patch, with its 1-based source position (0 = unknown).</summary>
/// <param name="Line">1-based line, 0 when not from a source text.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Path">Dotted field path, e.g. <c>machine.install.disk</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ConfigIssue(int Line, int Column, string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        (Line > 0 ? $"line {Line}, column {Column}: " : "") + (Path.Length > 0 ? $"{Path}: " : "") + Message;
}
