using Google.Protobuf;
using Talos.Api.Events;
using Talos.Core.State;
using Talos.Partitions.Audit;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>A signed head is renewed at least every this many durable records (issue #22), besides every boot and checkpoint.</summary>
    internal const ulong SignHeadEveryRecords = 256;

    /// <summary>
    /// Why the node's identity or history does not verify at this boot (issue #22; null when it does): the node key is
    /// lost or replaced, or the log does not extend the head the node signed. Shown as a MachineStatus unmet condition.
    /// </summary>
    internal string? IdentityProblem { get; private set; }

    /// <summary>
    /// Reaching Running at a boot (issue #22): loads the node key from STATE (creating and recording it the first
    /// time), checks that the log extends the last head the node signed, and signs the boot's head. A problem is an
    /// event (ForensicDigestMismatch, area META or STATE) and an error line; the node then signs nothing more and does
    /// not mirror, and never creates a new key: the operator recovers with a full reset (specs/audit.md).
    /// </summary>
    private async Task EstablishIdentityAsync(CancellationToken ct)
    {
        IdentityProblem = null;
        if (_meta is not { } meta || NodeSigner is not null) return;
        var recorded = State.Meta.TryGetValue(NodeState.NodeKeyMetaKey, out var v) ? v.ToByteArray() : null;
        var (signer, problem) = LoadNodeKey(recorded);
        if (problem is not null)
        {
            await RecordIdentityProblemAsync("STATE", recorded is null ? "" : Convert.ToHexStringLower(recorded), problem, ct);
            return;
        }
        if (signer is null) return;
        NodeSigner = signer;
        Journal.Durable = SignDurable;
        var keeper = HeadKeeper()!;
        var why = recorded is not null && keeper.Latest is null
            ? keeper.Refuse($"this node signed its history with key {Convert.ToHexStringLower(signer.PublicKey)} but STATE holds no signed head ({NodeKey.HeadDocumentName} was deleted or STATE was rolled back)")
            : keeper.Check(meta.LastSequence);
        if (why is not null)
        {
            await RecordIdentityProblemAsync("META", keeper.Latest?.HashHex ?? "", why, ct);
            return;
        }
        if (recorded is null)
            await Journal.AppendAsync("", "", e => e.MetaKeySet = new MetaKeySet { Key = NodeState.NodeKeyMetaKey, Value = ByteString.CopyFrom(signer.PublicKey) }, ct);
        keeper.SignHead(meta.LastSequence, meta.LastHash.Span);
    }

    // The key on STATE, or a new one stored there when neither STATE nor the log knows one; a problem when the log
    // records a key STATE does not hold (or holds another one), or the document does not decode or unseal.
    private (HeadSigner? Signer, string? Problem) LoadNodeKey(byte[]? recorded)
    {
        var doc = StateStore.Get(NodeKey.DocumentName);
        if (doc is null && recorded is not null)
            return (null, $"the event log records node key {Convert.ToHexStringLower(recorded)} but STATE holds no node key (a damaged STATE copy fell back to an older one, or the key was deleted): refusing to create a new identity");
        if (doc is null && Config is null) return (null, null);   // no config yet: the key comes with the first boot that has one
        try
        {
            var (signer, created) = NodeKey.LoadOrCreate(StateStore, _o.KeyEntropy, _o.KeySealingSecret);
            if (created) Log($"node key created: {Convert.ToHexStringLower(signer.PublicKey)}{(_o.KeySealingSecret is null ? " (unsealed: no sealing secret configured)" : "")}");
            if (recorded is not null && !recorded.AsSpan().SequenceEqual(signer.PublicKey))
                return (null, $"STATE holds node key {Convert.ToHexStringLower(signer.PublicKey)} but the event log records {Convert.ToHexStringLower(recorded)}: STATE was replaced");
            return (signer, null);
        }
        catch (Exception e) when (e is FormatException or IOException or Talos.Core.Errors.TalosException)
        {
            // A damaged key document is never replaced silently (that would re-key the node): no signing, no mirror.
            return (null, $"the node key on STATE is unusable ({e.Message}): refusing to create a new identity");
        }
    }

    private async Task RecordIdentityProblemAsync(string area, string expected, string problem, CancellationToken ct)
    {
        IdentityProblem = problem;
        Kernel.Kern("err", $"[talos] node identity: {problem}; heads are not signed and the fleet mirror does not run until a full reset (talosctl reset)");
        Log($"error: node identity: {problem}");
        await Journal.AppendAsync("", "", e => e.ForensicDigestMismatch = new ForensicDigestMismatch { Area = area, Expected = expected, Detail = problem }, ct);
    }

    /// <summary>The journal's durable callback: renews the signed head every <see cref="SignHeadEveryRecords"/> records.</summary>
    private void SignDurable(ulong sequence)
    {
        if (_heads is not { Latest: var latest } keeper || _meta is not { } meta) return;
        if (latest is not null && sequence < latest.Sequence + SignHeadEveryRecords) return;
        try
        {
            if (HashAt(meta, sequence) is { } hash) keeper.SignHead(sequence, hash);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or Talos.Core.Errors.TalosException)
        {
            Log($"head {sequence} not signed: {e.Message}");
        }
    }
}
