using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Machine;
using Talos.Core.Pki;
using Talos.Machined.Runtime;
using EventsApplyMode = Talos.Api.Events.ApplyMode;
using SeqRebootMode = Talos.Sequencer.Requests.RebootMode;

namespace Talos.Machined.Api;

/// <summary>
/// MachineService over a <see cref="NodeRuntime"/>: every RPC is a thin translation between upstream's messages and
/// the runtime (validation and state live there). Long operations answer with the actor id at once (STYLE.md §12);
/// a refusal by the sequence lock is FailedPrecondition. Errors are TalosExceptions mapped in one place
/// (<see cref="ErrorMappingInterceptor"/>). Version is inherited.
/// </summary>
public sealed partial class NodeMachineService(ApiSecurityState state, NodeRuntime node, TimeProvider time, PkiContext pki, NodeApiLocks locks)
    : DefaultMachineService(state)
{
    /// <inheritdoc />
    protected override string RunningVersion => node.State.BootedVersion;

    /// <summary>Upstream's apply-config: validate everything first, then act by mode (AUTO runs as NO_REBOOT).</summary>
    public override async Task<ApplyConfigurationResponse> ApplyConfiguration(ApplyConfigurationRequest request, ServerCallContext context)
    {
        if (request.Data.IsEmpty) throw new InvalidApiRequestException("data", "the request carries no machine config");
        if (request.Mode == ApplyConfigurationRequest.Types.Mode.Try && request.TryModeTimeout is { } t && t.ToTimeSpan() < TimeSpan.Zero)
            throw new InvalidApiRequestException("try_mode_timeout", "must not be negative");
        var result = await node.ApplyConfigurationAsync(request.Data.ToByteArray(), (EventsApplyMode)(int)request.Mode,
            request.DryRun, context.CancellationToken, request.TryModeTimeout is { } tmo && tmo.ToTimeSpan() > TimeSpan.Zero ? tmo.ToTimeSpan() : null);
        var item = new ApplyConfiguration
        {
            Metadata = ResponseMetadata.For(context),
            Mode = (ApplyConfigurationRequest.Types.Mode)(int)result.Mode,
            ModeDetails = result.ModeDetails,
        };
        item.Warnings.AddRange(result.Warnings);
        return new ApplyConfigurationResponse { Messages = { item } };
    }

    /// <summary>Starts an upgrade; the reply carries the actor id that filters its events.</summary>
    public override async Task<UpgradeResponse> Upgrade(UpgradeRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Image)) throw new InvalidApiRequestException("image", "an installer image reference is required");
        // Upstream's legacy path: the installer image and (control plane, unless forced) etcd are checked before the
        // request is accepted, so a refusal stops nothing (issue 20.1, 22.5).
        var op = await node.UpgradeAsync(request.Image, request.Preserve, request.Stage, request.Force, context.CancellationToken);
        return new UpgradeResponse
        {
            Messages = { new Talos.Api.Machine.Upgrade { Metadata = ResponseMetadata.For(context), Ack = "Upgrade request received", ActorId = op.ActorId } },
        };
    }

    /// <summary>Manual rollback (upstream's reply has no actor id; the events carry it).</summary>
    public override Task<RollbackResponse> Rollback(RollbackRequest request, ServerCallContext context)
    {
        node.Rollback(request.Force);
        return Task.FromResult(new RollbackResponse { Messages = { new Talos.Api.Machine.Rollback { Metadata = ResponseMetadata.For(context) } } });
    }

    /// <summary>Reset of the system disk: partitions to wipe by label (BOOT, EFI and META are refused by the runtime).</summary>
    public override async Task<ResetResponse> Reset(ResetRequest request, ServerCallContext context)
    {
        if (request.UserDisksToWipe.Count > 0 || request.Mode == ResetRequest.Types.WipeMode.UserDisks)
            throw new InvalidApiRequestException("user_disks_to_wipe", "this node has no user disks; reset wipes the system disk only");
        var labels = request.SystemPartitionsToWipe.Select(p => p.Label).ToList();
        if (labels.Any(string.IsNullOrWhiteSpace))
            throw new InvalidApiRequestException("system_partitions_to_wipe", "a partition label is empty");
        var fullWipe = request.SystemPartitionsToWipe.Any(p => p.Wipe);
        // A graceful reset of a control plane leaves etcd: refused first when that would break quorum (as upstream).
        if (request.Graceful && node.IsControlPlane)
            await node.Etcd.CheckRemovalSafeAsync("reset", "use --graceful=false to reset without leaving etcd", context.CancellationToken);
        var op = node.Reset(request.Graceful, request.Reboot, labels, fullWipe);
        return new ResetResponse { Messages = { new Talos.Api.Machine.Reset { Metadata = ResponseMetadata.For(context), ActorId = op.ActorId } } };
    }

    /// <summary>Reboot (FORCE takes over a running sequence, as upstream).</summary>
    public override Task<RebootResponse> Reboot(RebootRequest request, ServerCallContext context)
    {
        var mode = request.Mode switch
        {
            RebootRequest.Types.Mode.Powercycle => SeqRebootMode.PowerCycle,
            RebootRequest.Types.Mode.Force => SeqRebootMode.Force,
            _ => SeqRebootMode.Default,
        };
        var op = node.Reboot(mode);
        return Task.FromResult(new RebootResponse { Messages = { new Talos.Api.Machine.Reboot { Metadata = ResponseMetadata.For(context), ActorId = op.ActorId } } });
    }

    /// <summary>Shutdown (always a takeover, as upstream).</summary>
    public override Task<ShutdownResponse> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        var op = node.Shutdown(request.Force);
        return Task.FromResult(new ShutdownResponse { Messages = { new Talos.Api.Machine.Shutdown { Metadata = ResponseMetadata.For(context), ActorId = op.ActorId } } });
    }

    /// <summary>The node's hostname: the config's, else its address.</summary>
    public override Task<HostnameResponse> Hostname(Empty request, ServerCallContext context)
    {
        var name = node.Config?.Machine?.Network?.Hostname is { Length: > 0 } h ? h : node.Address;
        return Task.FromResult(new HostnameResponse { Messages = { new Talos.Api.Machine.Hostname { Metadata = ResponseMetadata.For(context), Hostname_ = name } } });
    }
}
