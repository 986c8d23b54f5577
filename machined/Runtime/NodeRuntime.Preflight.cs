using Talos.Core.Errors;
using Talos.Machined.Etcd;
using Talos.Upgrade.Images;
using Talos.Upgrade.Slots;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>
    /// The Upgrade RPC (issue 20.1, upstream's legacy handler order): everything that can refuse the upgrade is
    /// checked before the request is accepted, so a refusal stops nothing and records nothing. First the installer
    /// image is resolved and verified (<see cref="ValidateUpgradeImageAsync"/>); then, on a control plane and unless
    /// <paramref name="force"/>, etcd: a single member without <paramref name="preserve"/> is refused (the upgrade would
    /// wipe EPHEMERAL, the only copy of etcd; issue 22.5), and so is one that would break quorum. Only then the sequence starts.
    /// </summary>
    /// <exception cref="InstallerImageValidationException">the image does not resolve, verify or fit in the slot.</exception>
    /// <exception cref="EtcdUpgradeRefusedException">single etcd member and no --preserve.</exception>
    /// <exception cref="EtcdQuorumException">the upgrade would break etcd quorum.</exception>
    public async Task<Sequencer.Locking.OperationHandle> UpgradeAsync(string image, bool preserve, bool stage, bool force, CancellationToken ct)
    {
        RequireRunning("upgrade");
        await ValidateUpgradeImageAsync(image, ct);
        if (IsControlPlane && !force)
        {
            if (!preserve && Etcd.Self(Etcd.Local()) is not null && Etcd.Local()!.Voters.Count == 1)
                throw new EtcdUpgradeRefusedException(1);
            if (!preserve)
                await Etcd.CheckRemovalSafeAsync("upgrade", "use --preserve to keep etcd data, or --force to upgrade anyway", ct);
        }
        return Upgrade(image, preserve, stage, force);
    }

    /// <summary>
    /// Resolves and verifies <paramref name="image"/> as the upgrade would, without pulling or writing: the manifest and
    /// config digests, the signature under the config's policy (machine.upgrade.requireSignature), the layers when they
    /// are in the local store, and the size against the slot the upgrade would write.
    /// </summary>
    /// <exception cref="InstallerImageValidationException">with upstream's wording and the cause's status.</exception>
    internal async Task<InstallerImage> ValidateUpgradeImageAsync(string image, CancellationToken ct)
    {
        var reference = ImageReference.Parse(image);   // malformed: InvalidArgument, as before
        var target = InactiveSlot();
        try
        {
            var installer = new ImageInstaller(_o.Images, new SlotWriter(), Verifier());
            return await installer.ValidateAsync(await SourceForAsync(reference, ct), reference, ToBootSlot(target), Disk.Slot(target).Length, ct);
        }
        catch (TalosException e)
        {
            Log($"upgrade refused: installer image {image} did not validate: {e.Message}");
            throw new InstallerImageValidationException(image, e);
        }
    }
}
