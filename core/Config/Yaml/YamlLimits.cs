namespace Talos.Core.Config.Yaml;

/// <summary>
/// Bounds on YAML read from outside (apply-config over the API, maintenance mode, config patches, talosctl's user files,
/// talosconfig). They are enforced while the text is read, event by event, before any tree is built, so a hostile text
/// cannot exhaust the stack (a stack overflow cannot be caught in .NET: the process dies), the memory (alias expansion)
/// or the CPU (hundreds of thousands of keys). Issue 22 item 1; specs/formats/machine-config.md §Limits.
/// </summary>
/// <param name="MaxBytes">Largest text in UTF-8 bytes (default <see cref="DefaultMaxBytes"/>, 32 MiB).</param>
/// <param name="MaxDepth">Deepest nesting of maps and lists (default 64: a machine config nests about 8 levels; the
/// readers that walk a tree are recursive, and 64 frames of them are a few KiB of stack).</param>
/// <param name="MaxNodes">Most keys, values and list items in the whole stream, an alias counting as every node of what
/// it stands for (default 100,000: a generated config has a few hundred; costs about 100 bytes of memory each).</param>
/// <param name="MaxAliases">Most aliases (<c>*name</c>) in the stream (default 100).</param>
public sealed record YamlLimits(long MaxBytes, int MaxDepth, int MaxNodes, int MaxAliases)
{
    /// <summary>
    /// The one size limit of a machine config, in bytes: 32 MiB (33,554,432), upstream's <c>GRPCMaxMessageSize</c>. The
    /// node API accepts request messages this large plus the request's own fields (machined's <c>MachinedApiHost</c>).
    /// </summary>
    public const long DefaultMaxBytes = 32L * 1024 * 1024;

    /// <summary>The limits every reader of outside YAML uses.</summary>
    public static YamlLimits Default { get; } = new(DefaultMaxBytes, 64, 100_000, 100);
}
