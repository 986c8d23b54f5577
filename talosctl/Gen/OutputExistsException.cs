using Talos.Core.Errors;

namespace Talos.Ctl.Gen;

/// <summary>An output file exists and <c>--force</c> was not given (upstream's wording); nothing was written.</summary>
public sealed class OutputExistsException : TalosException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public OutputExistsException(string path)
        : base($"\"{path}\" already exists, use --force to overwrite")
    {
        FilePath = path;
    }

    /// <summary>The existing file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.AlreadyExists;
}
