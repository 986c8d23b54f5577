using Talos.Core.Config;

namespace Talos.Core.Errors;

/// <summary>A machine config document could not be read: YAML syntax, unknown fields, wrong types. Lists every issue.</summary>
public sealed class ConfigParseException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public ConfigParseException(IReadOnlyList<ConfigIssue> issues)
        : base($"failed to parse config: {issues.Count} error(s):\n" + string.Join("\n", issues.Select(i => "\t* " + i)) +
               "\nfix the listed fields (see talosctl gen config for a valid example)")
    {
        Issues = issues;
    }

    /// <summary>The problems, in source order.</summary>
    public IReadOnlyList<ConfigIssue> Issues { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
