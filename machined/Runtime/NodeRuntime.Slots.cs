using Org.BouncyCastle.Crypto;
using Talos.Api.Events;
using Talos.Core.Errors;
using Talos.Sequencer.Running;
using Talos.Upgrade.Images;
using Talos.Upgrade.Slots;

namespace Talos.Machined.Runtime;

public sealed partial class NodeRuntime
{
    /// <summary>The slot the node booted and confirmed (the known-good one), or null (first install, maintenance).</summary>
    internal Slot? ConfirmedSlot() =>
        State.BootedSlot is Slot.A or Slot.B && State.SlotOf(State.BootedSlot).Successful ? State.BootedSlot : null;

    /// <summary>The slot an upgrade writes: never the confirmed one (invariant 2).</summary>
    internal Slot InactiveSlot() => ConfirmedSlot() switch
    {
        Slot.A => Slot.B,
        Slot.B => Slot.A,
        _ => State.BootedSlot == Slot.A ? Slot.B : Slot.A,
    };

    /// <summary>Pulls, verifies (signature when configured, every digest) and writes an image into a slot, then records it.</summary>
    internal async Task WriteSlotAsync(TaskContext c, string image, Slot target, Slot? confirmed, CancellationToken ct)
    {
        var reference = ImageReference.Parse(image);
        var installer = new ImageInstaller(_o.Images, new SlotWriter(), Verifier());
        SlotWriteResult write;
        InstallerImage img;
        try
        {
            (write, img) = await installer.InstallAsync(await SourceForAsync(reference, ct), reference, Disk.Slot(target),
                ToBootSlot(target), confirmed is { } cs ? ToBootSlot(cs) : null, ct);
        }
        catch (IOException e) when (HostDiskFullException.IsDiskFull(e))
        {
            throw new HostDiskFullException(_o.DiskName, $"writing {image} to slot {target}", e);
        }
        var digest = write.ContentDigest.Replace("sha256:", "", StringComparison.Ordinal);
        Kernel.Talos($"wrote {image} ({img.Config.Version}) to slot {target}: {write.PayloadBytes} bytes, digest {digest[..12]}");
        await Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.ImageWrittenToSlot = new ImageWrittenToSlot
        {
            Slot = target, ImageRef = image, Digest = digest, Size = (ulong)write.PayloadBytes, Version = img.Config.Version,
        }, ct);
    }

    /// <summary>Marks a written slot as the preferred trial with the configured tries budget.</summary>
    internal async Task SetTrialAsync(TaskContext c, Slot slot, CancellationToken ct)
    {
        var tries = (uint)(Pending.Config?.Config.Machine?.Upgrade?.EffectiveTries ?? Config?.Machine?.Upgrade?.EffectiveTries ?? 3);
        await Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.TrialBootSet = new TrialBootSet { Slot = slot, Tries = tries }, ct);
    }

    /// <summary>Upgrade without --preserve: EPHEMERAL is wiped at the switch (the services are already stopped).</summary>
    internal async Task WipeEphemeralAtSwitchAsync(TaskContext c, CancellationToken ct)
    {
        var bytes = Disk.Wipe("EPHEMERAL", full: false);
        await Journal.AppendAsync(c.ActorId, c.SequenceId, e => e.PartitionWiped = new PartitionWiped { Label = "EPHEMERAL", Bytes = (ulong)bytes }, ct);
    }

    /// <summary>A staged upgrade without --preserve asked for EPHEMERAL to be wiped when its slot first boots.</summary>
    private async Task WipeEphemeralIfPendingAsync(CancellationToken ct)
    {
        if (!State.Meta.TryGetValue(NodeTasks.WipeEphemeralKey, out var v) || Booted is null) return;
        if (v.ToStringUtf8() != Booted.Slot.ToString()) return;
        var bytes = Disk.Wipe("EPHEMERAL", full: false);
        await Journal.AppendAsync("", "", e => e.PartitionWiped = new PartitionWiped { Label = "EPHEMERAL", Bytes = (ulong)bytes }, ct);
        await Journal.AppendAsync("", "", e => e.MetaKeyDeleted = new MetaKeyDeleted { Key = NodeTasks.WipeEphemeralKey }, ct);
    }

    /// <summary>
    /// Manual rollback checks: the other slot must hold an image whose content matches its recorded digest, must not
    /// be a failed trial (unless forced), and its image must read the current config (upstream #9088: every image
    /// of this project reads machine config v1alpha1; a slot whose version is not a release version is refused).
    /// </summary>
    internal (Slot From, Slot To) CheckRollback(bool force)
    {
        var from = State.BootedSlot is Slot.A or Slot.B ? State.BootedSlot : throw new RollbackRefusedException("the node has not booted from a slot");
        var to = from == Slot.A ? Slot.B : Slot.A;
        var target = State.SlotOf(to);
        if (!target.HasImage) throw new RollbackRefusedException($"slot {to} holds no image: nothing to roll back to");
        var m = new SlotReader().Measure(Disk.Slot(to));
        if (Hex(m) != target.Digest)
            throw new RollbackRefusedException($"slot {to} does not match its recorded digest (measured {Hex(m) ?? m.State + ": " + m.Reason}, recorded {target.Digest}): refusing to boot it");
        if (!force && !target.Successful)
            throw new RollbackRefusedException($"slot {to} ({target.Version}) was never confirmed healthy; use --force to roll back to it anyway");
        if (!force) CheckReadsCurrentConfig(to, target.Version, m.Header?.ConfigFeatures);
        return (from, to);
    }

    // Issue #9088: the older image must be able to read the config in STATE. An image that declares the config
    // features it reads is checked against what the current config uses; one that declares nothing can only be
    // checked by its version format.
    private void CheckReadsCurrentConfig(Slot to, string version, IReadOnlyList<string>? declared)
    {
        if (declared is not null)
        {
            var missing = Config is { } c ? Talos.Core.Config.ConfigFeatures.Missing(c, declared) : [];
            if (missing.Count > 0)
                throw new RollbackRefusedException($"slot {to} ({version}) cannot read the current machine config: it does not know {string.Join(", ", missing)}; use --force to roll back anyway");
            return;
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^v\d+\.\d+\.\d+"))
            throw new RollbackRefusedException($"slot {to} holds version \"{version}\", which cannot be checked to read the current config (v1alpha1); use --force");
    }

    private async Task<IImageSource> SourceForAsync(ImageReference reference, CancellationToken ct)
    {
        try
        {
            await _o.Images.GetManifestAsync(reference, ct);
            return _o.Images;
        }
        catch (TalosException) when (_o.Http is not null)
        {
            var mirrors = Config?.Machine?.Registries?.Mirrors ?? Pending.Config?.Config.Machine?.Registries?.Mirrors;
            var map = mirrors?.ToDictionary(kv => kv.Key, kv => new Upgrade.Images.RegistryMirror(kv.Value.Endpoints.ToList(), kv.Value.SkipFallback))
                      ?? new Dictionary<string, Upgrade.Images.RegistryMirror>();
            return new RegistryImageSource(_o.Http, new RegistryMirrors(map));
        }
    }

    private SignatureVerifier? Verifier()
    {
        var up = Pending.Config?.Config.Machine?.Upgrade ?? Config?.Machine?.Upgrade;
        if (up is null || !up.RequireSignature) return null;
        var keys = up.TrustedKeys.Select(k => (AsymmetricKeyParameter)SigningKeys.ParsePublicPem(
            "-----BEGIN PUBLIC KEY-----\n" + k.PublicKey + "\n-----END PUBLIC KEY-----\n")).ToList();
        return new SignatureVerifier(keys);
    }

    private static BootSlot ToBootSlot(Slot s) => s == Slot.A ? BootSlot.A : BootSlot.B;
}
