using System.Security.Cryptography;
using Talos.Sequencer.Locking;

namespace Talos.Machined.Daemon;

/// <summary>
/// Operation ids for a daemon: <c>op-</c> + 16 random hex digits. A daemon restarts with no memory, so sequential ids
/// would repeat ids already in the META log; randomness belongs here, in the composition root (STYLE.md §8).
/// </summary>
public sealed class RandomIdSource : IIdSource
{
    /// <inheritdoc />
    public string NextId() => "op-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
