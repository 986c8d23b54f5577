using System.Security.Cryptography;
using Talos.Partitions.Devices;

namespace Talos.Partitions.Gpt;

/// <summary>Where disk and partition GUIDs come from: injected so tests are deterministic (STYLE.md §8).</summary>
public interface IGuidSource
{
    /// <summary>Returns the next GUID.</summary>
    Guid Next();
}

/// <summary>Deterministic version-4 GUIDs from a seed (tests, simulations, reproducible images).</summary>
public sealed class SeededGuidSource(ulong seed) : IGuidSource
{
    private SplitMix64 _rng = new(seed);

    /// <inheritdoc />
    public Guid Next()
    {
        Span<byte> b = stackalloc byte[16];
        _rng.Fill(b);
        return WithVersion4(b);
    }

    internal static Guid WithVersion4(Span<byte> b)
    {
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4 (byte 7 is the high byte of Data3 in the little-endian layout)
        b[8] = (byte)((b[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(b);
    }
}

/// <summary>Cryptographically random version-4 GUIDs: the production source, chosen at the composition root.</summary>
public sealed class RandomGuidSource : IGuidSource
{
    /// <inheritdoc />
    public Guid Next()
    {
        Span<byte> b = stackalloc byte[16];
        RandomNumberGenerator.Fill(b);
        return SeededGuidSource.WithVersion4(b);
    }
}
