namespace Talos.Core.Errors;

/// <summary>An installer image manifest is malformed (bad JSON, missing or unknown fields, bad digests).</summary>
public sealed class ImageManifestException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public ImageManifestException(string field, string problem, Exception? inner = null)
        : base($"invalid image manifest: {field}: {problem}; rebuild the image or check its source", inner)
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>JSON path of the offending field ("$" for the document).</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
