using Talos.Core.Errors;

namespace Talos.Ctl.Gen;

/// <summary>A <c>gen</c> argument or flag is unusable (endpoint without scheme or port, bad version, missing patch file).</summary>
public sealed class GenInputException : TalosException
{
    /// <summary>Creates the exception naming the argument or flag.</summary>
    public GenInputException(string argument, string problem)
        : base(problem)
    {
        Argument = argument;
    }

    /// <summary>The argument or flag concerned, e.g. <c>--config-patch</c>.</summary>
    public string Argument { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
