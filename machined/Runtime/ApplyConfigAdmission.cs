using System.Text;
using Talos.Core.Config;
using Talos.Core.Config.Yaml;
using Talos.Partitions.State;
using ApplyMode = Talos.Api.Events.ApplyMode;

namespace Talos.Machined.Runtime;

/// <summary>
/// What an apply-config must pass before it may record or change anything (issue 22 items 1 and 5), cheapest first:
/// <list type="number">
/// <item>the stage: a node that cannot take a config (booting with none loaded: the API still speaks maintenance TLS for
/// a moment at every boot) refuses before one byte is parsed (FailedPrecondition);</item>
/// <item>the size: at most <see cref="YamlLimits.DefaultMaxBytes"/> (ResourceExhausted, the limit in the message);</item>
/// <item>the bounded parse and validation (<see cref="YamlText.Parse"/>: depth, keys, aliases; InvalidArgument);</item>
/// <item>STATE's capacity for the document the mode writes, beside the documents already there (ResourceExhausted).</item>
/// </list>
/// A dry run passes the same checks: it answers what the real apply would.
/// </summary>
internal static class ApplyConfigAdmission
{
    /// <summary>Runs the checks; returns the parsed, valid config.</summary>
    internal static MachineConfig Admit(NodeRuntime node, byte[] data, ApplyMode mode)
    {
        if (node.Stage != NodeStage.Maintenance && node.Config is null)
            throw new NodeNotReadyException($"the node is {node.Stage}; apply-config needs a running node");
        YamlText.EnsureSize(data.Length, "the machine config");
        var cfg = MachineConfig.Parse(Encoding.UTF8.GetString(data)).EnsureValid();
        EnsureFitsState(node, data.Length, mode);
        return cfg;
    }

    private static void EnsureFitsState(NodeRuntime node, long length, ApplyMode mode)
    {
        if (node.Stage == NodeStage.Maintenance && (!node.State.Installed || node.Booted is null))
        {
            // Install: formatPartitions writes the config into a STATE that does not exist yet (or is wiped first); the
            // layout of this disk says how large it will be. The PKI documents come later and are small.
            var capacity = StateStore.CapacityFor(node.Disk.PlannedBytes("STATE"), node.Disk.Device.SectorSize);
            var needed = 4 + length + 2 + ConfigDocs.Active.Length + 4;
            if (needed > capacity) throw new ConfigTooLargeForStateException(length, needed, capacity);
            return;
        }
        if (node.Stage != NodeStage.Maintenance && mode == ApplyMode.Try) return;   // try mode keeps the config in memory only
        var store = node.StateStore;
        // Staged writes config.staged beside the active config; every other mode writes config while config.staged may
        // still be there (writeConfig deletes it only after the Put).
        var name = node.Stage != NodeStage.Maintenance && mode == ApplyMode.Staged ? ConfigDocs.Staged : ConfigDocs.Active;
        var body = store.BodyLengthWith(name, length);
        if (body > store.Capacity) throw new ConfigTooLargeForStateException(length, body, store.Capacity);
    }
}
