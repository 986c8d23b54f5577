namespace Talos.Core.Errors;

/// <summary>A config patch could not be applied: malformed patch, bad JSON pointer, failed test op.</summary>
public sealed class ConfigPatchException : TalosException
{
    /// <summary>Creates the exception.</summary>
    public ConfigPatchException(int patchIndex, string path, string problem)
        : base($"patch {patchIndex + 1}: {(path.Length > 0 ? path + ": " : "")}{problem}; nothing was changed")
    {
        PatchIndex = patchIndex;
        Path = path;
        Problem = problem;
    }

    /// <summary>0-based index of the patch (or JSON patch operation) that failed.</summary>
    public int PatchIndex { get; }

    /// <summary>The JSON pointer or dotted path concerned ("" if none).</summary>
    public string Path { get; }

    /// <summary>What went wrong.</summary>
    public string Problem { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
