namespace Talos.Core.Errors;

/// <summary>
/// A machine config parsed but is invalid. <see cref="Errors"/> holds all problems at once, in upstream's
/// wording; the message mimics upstream's multierror format ("2 errors occurred:\n\t* ...").
/// </summary>
public sealed class ConfigValidationException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public ConfigValidationException(IReadOnlyList<string> errors)
        : base($"{errors.Count} error{(errors.Count == 1 ? "" : "s")} occurred:\n" + string.Join("", errors.Select(e => "\t* " + e + "\n")))
    {
        Errors = errors;
    }

    /// <summary>All validation errors.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
