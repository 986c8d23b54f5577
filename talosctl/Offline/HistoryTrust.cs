using Talos.Partitions.Audit;
using Talos.Partitions.Devices;

namespace Talos.Ctl.Offline;

/// <summary>A node public key the verifier trusts, and where it came from (printed as <c>TRUSTED KEY &lt;hex&gt; (&lt;source&gt;)</c>).</summary>
/// <param name="Key">The 32-byte Ed25519 public key.</param>
/// <param name="Source">Where it came from, e.g. "pinned by --node-key", "registered in the fleet store".</param>
internal sealed record TrustedKey(byte[] Key, string Source)
{
    /// <summary>Hex of the key.</summary>
    public string Hex => Convert.ToHexStringLower(Key);
}

/// <summary>
/// Authenticates a captured disk's history (issue #22, specs/audit.md "What a verifier can prove"): the key and the
/// signed head on the disk's own STATE can be rewritten together with its META, so only a key the disk cannot supply
/// — pinned with <c>--node-key</c>, or the one the fleet store registered at first contact — authenticates it. Without
/// one the verdict is <c>NOT AUTHENTICATED</c>, never OK.
/// </summary>
internal static class HistoryTrust
{
    /// <summary>Problem kind of a history that verified only against the disk's own key (or no key at all).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>
    /// Parses <c>--node-key</c>: a file holding the key, or the key itself, as 64 hex characters or base64 of 32 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not a 32-byte key (the message says what is expected).</exception>
    public static byte[] ParseNodeKey(string value)
    {
        var text = (File.Exists(value) ? File.ReadAllText(value) : value).Trim();
        byte[]? key = null;
        if (text.Length == 64 && text.All(Uri.IsHexDigit)) key = Convert.FromHexString(text);
        else
        {
            var buf = new byte[text.Length];
            if (Convert.TryFromBase64String(text, buf, out var n) && n == 32) key = buf[..32];
        }
        return key ?? throw new ArgumentException($"--node-key: '{value}' is neither a file nor a 32-byte Ed25519 public key (64 hex characters or base64); give the key the fleet store registered for the node (talosctl audit replay --from node prints it)");
    }

    /// <summary>
    /// Checks the signed head against the trusted key (the head from <paramref name="headOverride"/>, else from the
    /// disk's STATE) and adds what is wrong to <paramref name="problems"/>. Returns the head checked and where it came from.
    /// </summary>
    public static (SignedHead? Head, string From) Check(IBlockDevice disk, AuditResult a, TrustedKey? trusted, SignedHead? headOverride, List<AuditProblem> problems)
    {
        byte[]? diskKey = null;
        SignedHead? head = null;
        try { (diskKey, head) = NodeKey.ReadFromDisk(disk); }
        catch (FormatException e) { problems.Add(new(AuditSeverity.Error, "signature", 0, $"the node key or head on STATE does not decode: {e.Message}")); }
        var from = "STATE";
        if (headOverride is not null) (head, from) = (headOverride, "file");
        if (trusted is null)
        {
            // Still worth checking (it catches a rewrite whose author did not re-sign), but it proves nothing.
            if (head is not null && diskKey is not null) problems.AddRange(HeadSigner.CheckAgainstHead(a, head, diskKey));
            problems.Add(new(AuditSeverity.Error, Unauthenticated, 0, "no trusted node key: the key and signed head on this disk's STATE could have been rewritten together with its history, " +
                "so the history is not authenticated; give the node's registered key with --node-key <file|base64>, or check it against the fleet store with --store"));
            return (head, from);
        }
        if (diskKey is not null && !diskKey.AsSpan().SequenceEqual(trusted.Key))
            problems.Add(new(AuditSeverity.Error, "key", 0, $"the disk's node key {Convert.ToHexStringLower(diskKey)} is not the trusted key {trusted.Hex} ({trusted.Source}): STATE was replaced or the node re-keyed"));
        if (head is null)
        {
            problems.Add(new(AuditSeverity.Error, "unsigned", 0, $"STATE holds no signed head ({NodeKey.HeadDocumentName}): it was deleted, or the node never signed its history; nothing on the disk is authenticated by key {trusted.Hex}"));
            return (head, from);
        }
        problems.AddRange(HeadSigner.CheckAgainstHead(a, head, trusted.Key));
        if (a.LastSequence > head.Sequence)
            problems.Add(new(AuditSeverity.Warning, "unsigned", head.Sequence + 1, $"records {head.Sequence + 1}..{a.LastSequence} come after the last signed head and are not authenticated (the node signs at every boot, checkpoint and 256 records; a power loss leaves the latest unsigned)"));
        return (head, from);
    }

    /// <summary>The verdict line: OK, NOT AUTHENTICATED (consistent but no trusted key) or <paramref name="failed"/>.</summary>
    public static string Verdict(IReadOnlyList<AuditProblem> problems, string failed)
    {
        var errors = problems.Where(p => p.Severity == AuditSeverity.Error).ToList();
        if (errors.Count == 0) return "OK";
        return errors.All(p => p.Kind == Unauthenticated) ? "NOT AUTHENTICATED" : failed;
    }

    /// <summary>The <c>TRUSTED KEY</c> line.</summary>
    public static string Line(TrustedKey? trusted) =>
        trusted is null ? "TRUSTED KEY none (the history cannot be authenticated)" : $"TRUSTED KEY {trusted.Hex} ({trusted.Source})";
}
