using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Machine;

namespace Talos.Machined.Api;

/// <summary>
/// The API layer's MachineService: Version is served from build information; every other method answers
/// Unimplemented (the generated base's behaviour) until the node runtime subclasses this and overrides them.
/// Authorization has already happened in <see cref="RbacInterceptor"/> for every method before any of this runs.
/// </summary>
public class DefaultMachineService(ApiSecurityState state) : MachineService.MachineServiceBase
{
    private static readonly Talos.Api.Machine.VersionInfo Build = BuildVersion.Read();

    /// <summary>
    /// The Talos version the node runs (the booted image's), or "" for none: then the tag is this build's. Upstream's
    /// server tag is the running OS version, which changes with an upgrade or a rollback.
    /// </summary>
    protected virtual string RunningVersion => "";

    /// <summary>The security state (configured flag), for subclasses too.</summary>
    protected ApiSecurityState SecurityState { get; } = state;

    /// <summary>
    /// Upstream shape: one <c>Version</c> item; platform metal/metal; <c>features</c> only when the node has a
    /// configuration (then RBAC is on).
    /// </summary>
    public override Task<VersionResponse> Version(Empty request, ServerCallContext context)
    {
        var item = new Talos.Api.Machine.Version
        {
            Metadata = ResponseMetadata.For(context),
            Version_ = Build.Clone(),
            Platform = new PlatformInfo { Name = "metal", Mode = SecurityState.IsConfigured ? "metal" : "maintenance" },
        };
        if (RunningVersion.Length > 0) item.Version_.Tag = RunningVersion;
        if (SecurityState.IsConfigured)
            item.Features = new FeaturesInfo { Rbac = true };
        return Task.FromResult(new VersionResponse { Messages = { item } });
    }
}
