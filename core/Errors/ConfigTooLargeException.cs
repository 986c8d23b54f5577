namespace Talos.Core.Errors;

/// <summary>A machine config (or another YAML text read from outside) is larger than the one config size limit.</summary>
public sealed class ConfigTooLargeException : TalosException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="what">What was read, e.g. "machine config" or a file name.</param>
    /// <param name="bytes">Its size in bytes.</param>
    /// <param name="limit">The limit in bytes.</param>
    public ConfigTooLargeException(string what, long bytes, long limit)
        : base($"{what} is {bytes} bytes, over the limit of {limit} bytes ({limit / (1024 * 1024)} MiB); nothing was changed. " +
               "Remove what the config does not need (comments, unused documents) and try again")
    {
        What = what;
        Bytes = bytes;
        Limit = limit;
    }

    /// <summary>What was read.</summary>
    public string What { get; }

    /// <summary>Its size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The limit in bytes.</summary>
    public long Limit { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.ResourceExhausted;
}
