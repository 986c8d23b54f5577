namespace Talos.Ctl.Commands;

/// <summary>What a command handler writes to; tests pass StringWriters and assert the exact output.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error.</param>
public sealed record CliContext(TextWriter Out, TextWriter Err)
{
    /// <summary>The process console.</summary>
    public static CliContext Console => new(System.Console.Out, System.Console.Error);
}
