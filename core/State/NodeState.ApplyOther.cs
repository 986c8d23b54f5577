using System.Collections.Immutable;
using Talos.Api.Events;

namespace Talos.Core.State;

public sealed partial record NodeState
{
    /// <summary>Upstream META keys are u8 in practice; larger keys are anomalies.</summary>
    internal const uint MaxMetaKey = 0xFF;

    /// <summary>
    /// META key (a Talos.NET addition, unused upstream) under which the node records its Ed25519 public key when it
    /// creates the key on STATE (issue #22): a STATE that later holds no key, or another one, is then a lost or
    /// replaced identity, never a silent new one. A STATE wipe (reset without --preserve) removes it.
    /// </summary>
    public const uint NodeKeyMetaKey = 0x20;

    /// <summary>
    /// Maintenance from the boot loader (nothing booted) clears the booted slot; maintenance of a booted slot whose
    /// STATE holds no config keeps it (the slot's system runs and waits for apply-config).
    /// </summary>
    private NodeState OnMaintenanceEntered(NodeEvent e)
    {
        var m = e.MaintenanceEntered;
        if (m.Slot == Slot.Unspecified)
            return this with { InMaintenance = true, BootedSlot = Slot.Unspecified, BootedVersion = "", BootedDigest = "" };
        var s = this with { InMaintenance = true };
        return m.Slot == BootedSlot ? s : s.WithAnomaly(e.Sequence, $"maintenance mode on slot {m.Slot} but the node booted {BootedSlot}");
    }

    private NodeState OnConfigApplied(ConfigApplied c)
    {
        var s = this with { Counters = Counters with { ConfigApplies = Counters.ConfigApplies + 1 } };
        // A booted system waiting in maintenance mode takes the config and starts (no install, no reboot).
        if (s.InMaintenance && s.BootedSlot != Slot.Unspecified && c.Mode != ApplyMode.Staged) s = s with { InMaintenance = false };
        return c.Mode switch
        {
            ApplyMode.Staged => s with { StagedConfigDigest = c.Digest },
            // TRY keeps the digest to revert to (the first one, if TRY is applied twice in a row).
            ApplyMode.Try => s with
            {
                TryPreviousConfigDigest = TryPreviousConfigDigest.Length > 0 ? TryPreviousConfigDigest : ConfigDigest,
                ConfigDigest = c.Digest,
            },
            // A newer applied config supersedes a pending staged one and ends a TRY window.
            _ => s with { ConfigDigest = c.Digest, StagedConfigDigest = "", TryPreviousConfigDigest = "" },
        };
    }

    private NodeState OnConfigTryReverted(NodeEvent e)
    {
        var r = e.ConfigTryReverted;
        var s = this;
        if (ConfigDigest != r.RevertedDigest)
            s = s.WithAnomaly(e.Sequence, $"try-mode revert of {r.RevertedDigest} but the active config is {ConfigDigest}");
        return s with { ConfigDigest = r.RestoredDigest, TryPreviousConfigDigest = "" };
    }

    private NodeState OnBootstrapDone(NodeEvent e)
    {
        var s = Bootstrapped ? WithAnomaly(e.Sequence, "bootstrap done twice") : this;
        return s with { Bootstrapped = true, ClusterName = e.BootstrapDone.ClusterName };
    }

    private NodeState OnNodeReset(NodeEvent e)
    {
        var r = e.NodeReset;
        var s = this with { Counters = Counters with { Resets = Counters.Resets + 1 } };
        // No labels: the whole system disk (upstream's default reset).
        IEnumerable<string> labels = r.LabelsWiped.Count == 0 ? ["BOOT-A", "BOOT-B", "STATE", "EPHEMERAL", "META"] : r.LabelsWiped;
        foreach (var label in labels)
        {
            if (label == "STATE" && r.Preserve)
            {
                s = s.WithAnomaly(e.Sequence, "reset wiped STATE although preserve was requested");
            }
            s = s.WipeLabel(label, r.Preserve);
        }
        var installed = s.SlotA.HasImage || s.SlotB.HasImage;
        return s with { Installed = installed && s.Installed };
    }

    /// <summary>Effect of wiping one partition on the state (PartitionWiped and NodeReset).</summary>
    private NodeState WipeLabel(string label, bool preserveConfig) => label switch
    {
        "BOOT-A" => WithSlot(Slot.A, SlotState.Empty),
        "BOOT-B" => WithSlot(Slot.B, SlotState.Empty),
        // The node key lives on STATE: its record in the log (META key NodeKeyMetaKey, issue #22) goes with it.
        "STATE" when !preserveConfig => this with { ConfigDigest = "", StagedConfigDigest = "", TryPreviousConfigDigest = "", Meta = Meta.Remove(NodeKeyMetaKey) },
        "EPHEMERAL" => this with
        {
            Services = Services.Clear(),
            Bootstrapped = false,
            ClusterName = "",
            EtcdMembers = 0,   // the etcd data lives on EPHEMERAL
        },
        "META" => this with { Meta = Meta.Clear() },
        _ => this,
    };

    private NodeState OnServiceStateChanged(ServiceStateChanged c) => this with
    {
        Services = Services.SetItem(c.Service, new ServiceStatus(c.Service, c.State, c.Healthy, c.Message)),
    };

    private NodeState OnMetaKeySet(NodeEvent e)
    {
        var m = e.MetaKeySet;
        if (m.Key > MaxMetaKey)
            return WithAnomaly(e.Sequence, $"META key 0x{m.Key:x} is out of range (0..0xff); ignored");
        return this with { Meta = Meta.SetItem(m.Key, m.Value) };
    }

    /// <summary>The services as a list in name order (convenience for API projections).</summary>
    public ImmutableArray<ServiceStatus> ServiceList => [.. Services.Values];
}
