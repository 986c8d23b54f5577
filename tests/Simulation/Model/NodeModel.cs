using Talos.Api.Events;
using Talos.Machined.Runtime;

namespace Talos.Simulation.Tests.Model;

/// <summary>
/// What the model compares: stage, booted slot and image, the other slot's confirmed image, the active config. (Not the
/// fold's staged config digest. This model found that the boot which applies a staged config journalled it with mode
/// STAGED, so the fold kept it pending; the boot now records it as applied with a reboot, and Machined.Tests'
/// A_staged_config_becomes_active_at_the_next_boot_in_the_fold_too checks the fold.)
/// </summary>
public sealed record NodeView(bool Running, Slot? BootedSlot, string? Booted, string? Other, string? Config)
{
    /// <summary>The view of a settled simulated node.</summary>
    public static NodeView Of(SimNode n)
    {
        var rt = n.Runtime;
        var s = rt.State;
        var other = rt.Booted is { } b ? s.SlotOf(b.Slot == Slot.A ? Slot.B : Slot.A) : null;
        return new NodeView(rt.Stage == NodeStage.Running, rt.Booted?.Slot, Tag(rt.Booted?.ImageRef),
            other is { Successful: true } ? Tag(other.ImageRef) : null, HostOf(rt.Config?.Digest));
    }

    private static readonly Dictionary<string, string> Hosts =
        new[] { "node1", "node2", "node3" }.ToDictionary(h => Simulation.Cfg(h).Digest, h => h, StringComparer.Ordinal);

    private static string? HostOf(string? digest) => digest is null ? null : Hosts.GetValueOrDefault(digest, "?" + digest[..8]);

    /// <summary>The image tag of a reference (v1.9.1-kubelet-never-healthy), which names it uniquely in the sim's image set.</summary>
    public static string? Tag(string? imageRef) => imageRef is null || imageRef.Length == 0 ? null : imageRef[(imageRef.LastIndexOf(':') + 1)..];

    public override string ToString() =>
        $"{(Running ? "Running" : "Maintenance")} {BootedSlot}:{Booted ?? "-"} other {Other ?? "-"} config {Config ?? "-"}";
}

/// <summary>
/// The model: what a node that started installed (slot A, v1.9.0, config node1) must look like after each operation.
/// A reboot of any kind (upgrade, rollback, reset, reboot) activates a staged config. <see cref="BrokenRollback"/> is the
/// deliberately wrong variant of the shrinking demo: it believes a rollback changes nothing.
/// </summary>
/// <param name="View">The expected view.</param>
/// <param name="Staged">The config staged for the next boot (its host), if any.</param>
/// <param name="BrokenRollback">The deliberately wrong variant.</param>
public sealed record NodeModel(NodeView View, string? Staged = null, bool BrokenRollback = false)
{
    /// <summary>The node every sequence starts from (see <see cref="ModelRunner.InstallAsync"/>).</summary>
    public static NodeModel Installed(bool brokenRollback = false) =>
        new(new NodeView(true, Slot.A, NodeView.Tag(SimImages.Healthy1), null, "node1"), null, brokenRollback);

    /// <summary>The expected view after <paramref name="op"/> ran to its end (no power loss); refused operations change nothing.</summary>
    public NodeModel After(ModelOp op)
    {
        var v = View;
        if (!v.Running)   // maintenance: only a config brings it back (the node is still installed)
            return op.Kind == OpKind.Apply ? this with { View = v with { Running = true, Config = op.Host }, Staged = null } : this;
        var rebooted = v with { Config = Staged ?? v.Config };
        if (op.Kind == OpKind.Apply)
            return op.Staged ? this with { Staged = op.Host } : this with { View = v with { Config = op.Host }, Staged = null };
        var rollbackRefused = op.Kind == OpKind.Rollback && (v.Other is null || BrokenRollback);
        return this with
        {
            Staged = rollbackRefused ? Staged : null,
            View = op.Kind switch
            {
                OpKind.UpgradeGood => rebooted with { BootedSlot = Flip(v.BootedSlot), Booted = NodeView.Tag(op.Image), Other = v.Booted },
                OpKind.UpgradeFaulty => rebooted with { Other = null },
                OpKind.Rollback when rollbackRefused => v,
                OpKind.Rollback => rebooted with { BootedSlot = Flip(v.BootedSlot), Booted = v.Other, Other = v.Booted },
                OpKind.ResetFull => v with { Running = false, Config = null },
                _ => rebooted,
            },
        };
    }

    /// <summary>
    /// After a power loss during <paramref name="op"/> and recovery: the old or the new state, whichever
    /// <paramref name="actual"/> shows (both when they look alike: a staged config is invisible until the next boot);
    /// the other slot may also have lost its confirmed image (an interrupted upgrade overwrites it). Empty when
    /// <paramref name="actual"/> is neither.
    /// </summary>
    public IEnumerable<NodeModel> AfterCrash(ModelOp op, NodeView actual)
    {
        var after = After(op);
        string?[] others = [View.Other, after.View.Other, null];
        foreach (var candidate in new[] { this, after })
            if (others.Contains(actual.Other) && actual with { Other = candidate.View.Other } == candidate.View)
                yield return candidate with { View = actual };
    }

    private static Slot? Flip(Slot? s) => s == Slot.A ? Slot.B : Slot.A;
}
