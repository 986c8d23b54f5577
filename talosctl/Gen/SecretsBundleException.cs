using Talos.Core.Errors;

namespace Talos.Ctl.Gen;

/// <summary>A secrets bundle file (<c>--with-secrets</c>) could not be used; lists every problem found.</summary>
public sealed class SecretsBundleException : TalosException
{
    /// <summary>Creates the exception for the file <paramref name="source"/>.</summary>
    public SecretsBundleException(string source, IReadOnlyList<string> problems)
        : base($"failed to load secrets bundle \"{source}\": {string.Join("; ", problems)} (generate one with \"talosctl gen secrets\")")
    {
        BundlePath = source;
        Problems = problems;
    }

    /// <summary>The file that was read.</summary>
    public string BundlePath { get; }

    /// <summary>What is wrong, one entry per field.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.InvalidArgument;
}
