using Talos.Core.Errors;

namespace Talos.Machined.Api;

/// <summary>MetaDelete of a key that is not set (upstream answers NotFound too).</summary>
public sealed class MetaKeyNotFoundException(uint key)
    : TalosException($"META key 0x{key:x2} is not set; nothing to delete (talosctl get metakeys lists the keys)")
{
    /// <summary>The key.</summary>
    public uint Key { get; } = key;

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.NotFound;
}
