using Grpc.Core;
using Org.BouncyCastle.Security;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using Talos.Machined.Services;
using Talos.Machined.Tests.Runtime;
using Talos.Upgrade.Images;
using UpgradeRequest = Talos.Api.Machine.UpgradeRequest;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Issue 20.1 and 22.5, over the real API: everything that can refuse an upgrade (an image that does not resolve,
/// verify or fit, a single etcd member without --preserve) is refused by the RPC itself, with upstream's wording,
/// before a single service stops or a sequence event is written.
/// </summary>
public sealed class UpgradesAreValidatedBeforeAnythingStops
{
    [Fact]
    public async Task An_unknown_image_is_refused_before_any_service_stops_and_no_sequence_is_recorded()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.31.1", seed: 311);
        await h.InstallAsync();
        var e = await RefusedAsync(h, new UpgradeRequest { Image = "ghcr.io/siderolabs/installer:v9.9.9" });
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.StartsWith("error validating installer image \"ghcr.io/siderolabs/installer:v9.9.9\": image ghcr.io/siderolabs/installer:v9.9.9 not found", e.Status.Detail);
    }

    [Fact]
    public async Task An_image_whose_kernel_was_tampered_with_in_the_store_is_refused_with_DataLoss()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.31.2", seed: 312);
        await h.InstallAsync();
        var reference = ImageReference.Parse(RuntimeFixture.Healthy2);
        var image = await InstallerImage.ResolveAsync(h.Fixture.Store, reference, CancellationToken.None);
        var blob = h.Fixture.Store.BlobPath(reference, image.Kernel.Digest);
        await using (var f = new FileStream(blob, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = 1000;
            var b = f.ReadByte();
            f.Position = 1000;
            f.WriteByte((byte)(b ^ 0xFF));
        }
        var e = await RefusedAsync(h, new UpgradeRequest { Image = RuntimeFixture.Healthy2, Preserve = true });
        Assert.Equal(StatusCode.DataLoss, e.StatusCode);
        Assert.Contains("error validating installer image", e.Status.Detail);
        Assert.Contains("digest mismatch", e.Status.Detail);
    }

    [Fact]
    public async Task Under_a_signature_policy_an_unsigned_image_and_one_signed_by_an_untrusted_key_are_refused()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.31.3", seed: 313);
        await h.InstallAsync();
        var random = new SecureRandom();
        var trusted = SigningKeys.GenerateEd25519(random);
        var stranger = SigningKeys.GenerateEd25519(random);
        var body = string.Concat(SigningKeys.ToPem(trusted.Public).Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
        var yaml = System.Text.Encoding.UTF8.GetString(h.Config()).Replace("    healthDeadline: 30s",
            $"    healthDeadline: 30s\n    requireSignature: true\n    trustedKeys:\n      - keyId: release\n        algorithm: ed25519\n        publicKey: {body}", StringComparison.Ordinal);
        using (var admin = h.As(Roles.Admin))
            await new MachineService.MachineServiceClient(admin).ApplyConfigurationAsync(new ApplyConfigurationRequest
            {
                Data = Google.Protobuf.ByteString.CopyFromUtf8(yaml), Mode = ApplyConfigurationRequest.Types.Mode.NoReboot,
            });
        await h.WaitForAsync(() => h.Node.Config?.Machine?.Upgrade?.RequireSignature == true && h.Node.Controller.Lock.Holder is null, "the signature policy to be active");
        await CosignSignatures.SignAsync(h.Fixture.Store, ImageReference.Parse(RuntimeFixture.Healthy3), stranger.Private, CancellationToken.None);

        var unsigned = await RefusedAsync(h, new UpgradeRequest { Image = RuntimeFixture.Healthy2, Preserve = true });
        Assert.Equal(StatusCode.FailedPrecondition, unsigned.StatusCode);
        Assert.Contains("error validating installer image \"ghcr.io/siderolabs/installer:v1.9.1\"", unsigned.Status.Detail);
        var untrusted = await RefusedAsync(h, new UpgradeRequest { Image = RuntimeFixture.Healthy3, Preserve = true });
        Assert.Equal(StatusCode.PermissionDenied, untrusted.StatusCode);
        Assert.Contains("not from a trusted key", untrusted.Status.Detail);
    }

    [Fact]
    public async Task An_image_larger_than_the_slot_is_refused_with_both_sizes_in_the_message()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.31.4", seed: 314);
        await h.InstallAsync();
        var slot = h.Node.Disk.Slot(Slot.B).Length;
        const string big = "ghcr.io/siderolabs/installer:v1.9.5";
        var built = await new InstallerImageBuilder(h.Fixture.Store).BuildGeneratedAsync(ImageReference.Parse(big),
            new InstallerConfig("v1.9.5", "amd64", "healthy"), slot + (1 << 20), 77, CancellationToken.None);
        var needed = Talos.Upgrade.Slots.SlotWriter.RequiredBytes(built.Kernel.Size, built.Initramfs.Size);
        var e = await RefusedAsync(h, new UpgradeRequest { Image = big, Preserve = true });
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains($"image needs {needed} bytes but slot B has {slot}", e.Status.Detail);
    }

    [Fact]
    public async Task A_plain_upgrade_of_a_single_etcd_member_is_refused_with_upstreams_message_and_preserve_lets_it_run()
    {
        await using var h = await NodeApiHarness.StartAsync("127.0.31.5", seed: 315);
        await h.InstallAsync();
        using (var admin = h.As(Roles.Admin))
            await new MachineService.MachineServiceClient(admin).BootstrapAsync(new BootstrapRequest());
        await h.WaitForAsync(() => h.Node.Etcd.Local()?.Voters.Count == 1, "a one-member etcd");
        var etcdBefore = h.Node.Etcd.Local()!;

        var e = await RefusedAsync(h, new UpgradeRequest { Image = RuntimeFixture.Healthy2 });
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("error validating etcd for upgrade: only 1 etcd member found; assuming this is not an HA setup and refusing to upgrade; " +
                     "if this is a single-node cluster, use --preserve to upgrade", e.Status.Detail);
        Assert.DoesNotContain(h.Node.Journal.ReadAll(), x => x.PartitionWiped is not null && x.PartitionWiped.Label == "EPHEMERAL");

        using var admin2 = h.As(Roles.Admin);
        await new MachineService.MachineServiceClient(admin2).UpgradeAsync(new UpgradeRequest { Image = RuntimeFixture.Healthy2, Preserve = true });
        await h.WaitForAsync(() => h.Node.Stage == NodeStage.Running && h.Node.State.BootedSlot == Slot.B && h.Node.State.SlotB.Successful, "the preserved upgrade to B");
        Assert.Equal(etcdBefore.ClusterId, h.Node.Etcd.Local()?.ClusterId);   // etcd data kept
    }

    /// <summary>
    /// Calls Upgrade, expects a refusal, and checks that nothing happened: the same services still Running, no event
    /// of a sequence (or anything else) appended, the lock free, the slots as before.
    /// </summary>
    private static async Task<RpcException> RefusedAsync(NodeApiHarness h, UpgradeRequest request)
    {
        var running = RunningServices(h.Node.Services);
        Assert.NotEmpty(running);
        var last = h.Node.State.LastSequence;
        var slots = (h.Node.State.SlotA, h.Node.State.SlotB);
        using var admin = h.As(Roles.Admin);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new MachineService.MachineServiceClient(admin).UpgradeAsync(request));
        await Task.Delay(300);   // a sequence started by mistake would have stopped services and recorded by now
        Assert.Equal(NodeStage.Running, h.Node.Stage);
        Assert.Equal(running, RunningServices(h.Node.Services));
        var after = h.Node.Journal.ReadAll().Where(x => x.Sequence > last).ToList();
        Assert.True(after.Count == 0, "events appended by a refused upgrade: " + string.Join(", ", after.Select(x => x.PayloadCase)));
        Assert.Null(h.Node.Controller.Lock.Holder);
        Assert.Equal(slots, (h.Node.State.SlotA, h.Node.State.SlotB));
        return e;
    }

    internal static IReadOnlyList<string> RunningServices(ServiceSupervisor? s) =>
        s is null ? [] : s.List().Where(x => x.State == Talos.Machined.Services.ServiceState.Running).Select(x => x.Id).Order(StringComparer.Ordinal).ToList();
}
