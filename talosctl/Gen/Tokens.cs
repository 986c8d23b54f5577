using System.Text;
using System.Text.RegularExpressions;
using Org.BouncyCastle.Security;

namespace Talos.Ctl.Gen;

/// <summary>Kubernetes-style tokens <c>[a-z0-9]{6}.[a-z0-9]{16}</c> (bootstrap token, trustd token).</summary>
public static partial class Tokens
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new token drawn from <paramref name="random"/>.</summary>
    public static string Generate(SecureRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Draw(random, 6) + "." + Draw(random, 16);
    }

    /// <summary>True when <paramref name="token"/> has the token format.</summary>
    public static bool IsValid(string token) => TokenFormat().IsMatch(token);

    private static string Draw(SecureRandom random, int count)
    {
        var sb = new StringBuilder(count);
        var one = new byte[1];
        while (sb.Length < count)
        {
            random.NextBytes(one);
            // Rejection sampling: 252 = 7 * 36, so accepted bytes map uniformly onto the alphabet.
            if (one[0] < 252)
                sb.Append(Alphabet[one[0] % Alphabet.Length]);
        }
        return sb.ToString();
    }

    [GeneratedRegex("^[a-z0-9]{6}\\.[a-z0-9]{16}$")]
    private static partial Regex TokenFormat();
}
