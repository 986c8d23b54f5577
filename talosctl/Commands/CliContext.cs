namespace Talos.Ctl.Commands;

/// <summary>What a command handler writes to; tests pass StringWriters and assert the exact output.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error.</param>
public sealed record CliContext(TextWriter Out, TextWriter Err)
{
    /// <summary>The process console (live widgets only when stdout is a terminal).</summary>
    public static CliContext Console => new(System.Console.Out, System.Console.Error)
    {
        Interactive = !System.Console.IsOutputRedirected,
    };

    /// <summary>True when stdout is a terminal: progress is drawn with Spectre.Console live widgets, else plain lines.</summary>
    public bool Interactive { get; init; }

    /// <summary>Clock for relative times ("5m ago") and deadlines; tests pass a fake.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Delay between reconnect attempts of followed streams (tests shorten it).</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Delay between attempts of a check that has not passed yet (<c>health</c>; tests shorten it).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Writes one error line, upstream style ("error: ...").</summary>
    public void Error(string message) => Err.WriteLine($"error: {message}");
}
