using Org.BouncyCastle.Security;

namespace Talos.Core.Pki;

/// <summary>
/// The non-deterministic inputs of certificate generation, injected (STYLE.md §8): the clock for validity
/// periods and the random source for keys, serial numbers and ECDSA nonces. With <see cref="Seeded"/> the same
/// seed and time give byte-identical certificates and keys.
/// </summary>
/// <param name="Time">Clock for NotBefore/NotAfter.</param>
/// <param name="Random">Random source for keys, serials and signatures.</param>
public sealed record PkiContext(TimeProvider Time, SecureRandom Random)
{
    /// <summary>
    /// A deterministic context: a SHA-256 PRNG seeded only with <paramref name="seed"/> (never auto-seeded from
    /// the OS). For tests and simulations; production passes <c>new SecureRandom()</c>.
    /// </summary>
    public static PkiContext Seeded(long seed, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var random = SecureRandom.GetInstance("SHA256PRNG", autoSeed: false);
        random.SetSeed(seed);
        return new PkiContext(time, random);
    }

    /// <summary>Now, truncated to whole seconds because X.509 times carry no fractions.</summary>
    internal DateTime UtcNowSeconds()
    {
        var now = Time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
