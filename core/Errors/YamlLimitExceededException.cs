namespace Talos.Core.Errors;

/// <summary>Which bound of <see cref="Config.Yaml.YamlLimits"/> a YAML text crossed.</summary>
public enum YamlLimit
{
    /// <summary>Maps and lists nested deeper than <see cref="Config.Yaml.YamlLimits.MaxDepth"/>.</summary>
    Depth,
    /// <summary>More nodes (keys, values, items, alias expansions) than <see cref="Config.Yaml.YamlLimits.MaxNodes"/>.</summary>
    Nodes,
    /// <summary>More aliases than <see cref="Config.Yaml.YamlLimits.MaxAliases"/>.</summary>
    Aliases,
}

/// <summary>
/// A YAML text crossed a structural bound (depth, node count, aliases) while it was read; reading stopped there and
/// nothing was built or changed. The wording follows go-yaml's ("exceeded max depth of N", "document contains
/// excessive aliasing"), which upstream Talos reports for the same inputs.
/// </summary>
public sealed class YamlLimitExceededException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public YamlLimitExceededException(YamlLimit limit, int max, int line, int column)
        : base($"invalid YAML at line {line}, column {column}: {Describe(limit, max)}; nothing was changed. {Advice(limit)}")
    {
        Limit = limit;
        Max = max;
        Line = line;
        Column = column;
    }

    /// <summary>The bound that was crossed.</summary>
    public YamlLimit Limit { get; }

    /// <summary>Its value.</summary>
    public int Max { get; }

    /// <summary>1-based line where reading stopped.</summary>
    public int Line { get; }

    /// <summary>1-based column where reading stopped.</summary>
    public int Column { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;

    private static string Describe(YamlLimit limit, int max) => limit switch
    {
        YamlLimit.Depth => $"exceeded max depth of {max} nested maps and lists",
        YamlLimit.Aliases => $"document contains excessive aliasing (more than {max} aliases)",
        _ => $"document contains too many keys and values (more than {max}, aliases counted as what they stand for)",
    };

    private static string Advice(YamlLimit limit) => limit switch
    {
        YamlLimit.Depth => "A machine config nests about 8 levels: check the brackets and the indentation",
        YamlLimit.Aliases => "Write the repeated values out instead of using anchors and aliases",
        _ => "A machine config has a few hundred keys: split the input or remove what it does not need",
    };
}
