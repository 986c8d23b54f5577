using Talos.Machined.Runtime;

namespace Talos.Machined.Etcd;

/// <summary>
/// Where the simulated etcd keeps its data: documents of the crash-safe store on EPHEMERAL (the same double-slot
/// format as STATE, specs/formats/state-store.md), so a reset or an upgrade without --preserve, which wipe
/// EPHEMERAL, really lose it. <c>etcd/data</c> holds the encoded <see cref="EtcdData"/>; <c>etcd/recover</c> holds a
/// snapshot uploaded with EtcdRecover until Bootstrap{recover_etcd} consumes it. The store is opened per operation
/// (it is small) so a wipe through another handle is always seen.
/// </summary>
public static class EtcdStore
{
    /// <summary>The data document.</summary>
    public const string DataDocument = "etcd/data";

    /// <summary>The pending recovery snapshot document.</summary>
    public const string RecoverDocument = "etcd/recover";

    /// <summary>The stored data, or null when there is none.</summary>
    /// <exception cref="EtcdDataCorruptException">The document exists but does not decode.</exception>
    public static EtcdData? Load(NodeDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        using var store = disk.OpenEphemeral();
        return store.Get(DataDocument) is { } bytes ? EtcdData.Decode(bytes) : null;
    }

    /// <summary>Replaces the data (flushed before returning).</summary>
    public static void Save(NodeDisk disk, EtcdData data)
    {
        ArgumentNullException.ThrowIfNull(disk);
        ArgumentNullException.ThrowIfNull(data);
        using var store = disk.OpenEphemeral();
        store.Put(DataDocument, data.Encode());
    }

    /// <summary>Removes the data (this member left or was removed); the recovery upload stays.</summary>
    public static void Delete(NodeDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        using var store = disk.OpenEphemeral();
        store.Delete(DataDocument);
    }

    /// <summary>The uploaded recovery snapshot, or null.</summary>
    public static byte[]? LoadRecover(NodeDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        using var store = disk.OpenEphemeral();
        return store.Get(RecoverDocument);
    }

    /// <summary>Stores (replaces) the uploaded recovery snapshot, or removes it when <paramref name="snapshot"/> is null.</summary>
    public static void SaveRecover(NodeDisk disk, byte[]? snapshot)
    {
        ArgumentNullException.ThrowIfNull(disk);
        using var store = disk.OpenEphemeral();
        if (snapshot is null) store.Delete(RecoverDocument);
        else store.Put(RecoverDocument, snapshot);
    }
}
