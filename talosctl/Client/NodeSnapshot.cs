using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Talos.Api.Cosi;
using Talos.Api.Machine;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Client;

/// <summary>One boot slot as the dashboard shows it.</summary>
/// <param name="Slot">A or B.</param>
/// <param name="Version">Image version ("" when the slot holds no image).</param>
/// <param name="Booted">The running slot.</param>
/// <param name="Confirmed">Confirmed healthy (the boot loader's default).</param>
/// <param name="TriesRemaining">Trial boots left (meaningful while not confirmed).</param>
public sealed record SlotView(string Slot, string Version, bool Booted, bool Confirmed, uint TriesRemaining);

/// <summary>One service row.</summary>
public sealed record ServiceView(string Id, string State, string Health, string Message);

/// <summary>One lifecycle event row (the node's own events, not the task noise).</summary>
public sealed record EventView(string Id, string Kind, string Message);

/// <summary>
/// What <c>talosctl dashboard</c> shows for one node, read in one pass: stage and readiness (MachineStatus), the booted
/// version (Versions), both boot slots, services with health, and the last lifecycle events. <see cref="Error"/> is set
/// instead when the node cannot be read.
/// </summary>
public sealed record NodeSnapshot(string Node, string Stage, bool Ready, IReadOnlyList<string> Unmet, string Version,
    IReadOnlyList<SlotView> Slots, IReadOnlyList<ServiceView> Services, IReadOnlyList<EventView> Events, string? Error = null)
{
    /// <summary>How many events the tail request asks for before filtering to lifecycle events.</summary>
    public const int EventWindow = 300;

    /// <summary>Reads a snapshot; an unreachable node gives a snapshot with <see cref="Error"/> (the dashboard keeps going).</summary>
    public static async Task<NodeSnapshot> ReadAsync(IMachineClient c, int events, CancellationToken ct)
    {
        try
        {
            var (stage, ready, unmet) = await StatusAsync(c, ct).ConfigureAwait(false);
            var slots = await SlotsAsync(c, ct).ConfigureAwait(false);
            var version = await VersionAsync(c, ct).ConfigureAwait(false) ?? slots.FirstOrDefault(s => s.Booted)?.Version ?? "";
            var services = (await c.Machine.ServiceListAsync(new Empty(), c.Call(ct, TimeSpan.FromSeconds(5))).ConfigureAwait(false))
                .Messages.SelectMany(m => m.Services)
                .Select(s => new ServiceView(s.Id, s.State, ServiceCommand.Health(s.Health), s.Health?.LastMessage ?? "")).ToList();
            return new NodeSnapshot(c.Node, stage, ready, unmet, version, slots, services, await EventsAsync(c, events, ct).ConfigureAwait(false));
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            return new NodeSnapshot(c.Node, "", false, [], "", [], [], [], RpcErrors.Describe(e, c.Node, c.Insecure));
        }
    }

    private static async Task<(string, bool, IReadOnlyList<string>)> StatusAsync(IMachineClient c, CancellationToken ct)
    {
        var r = await c.Resources.GetAsync(new GetRequest { Namespace = "runtime", Type = "MachineStatuses.runtime.talos.dev", Id = "machine" }, c.Call(ct, TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        var spec = MachineStatusSpec.Parser.ParseFrom(r.Resource.Spec.ProtoSpec);
        var stage = spec.Stage.ToString().ToLowerInvariant().Replace('_', ' ');
        return (stage, spec.Status?.Ready ?? false, spec.Status?.UnmetConditions.Select(u => $"{u.Name}: {u.Reason}").ToList() ?? []);
    }

    private static async Task<string?> VersionAsync(IMachineClient c, CancellationToken ct)
    {
        try
        {
            var r = await c.Resources.GetAsync(new GetRequest { Namespace = "runtime", Type = "Versions.runtime.talos.dev", Id = "version" }, c.Call(ct, TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            return VersionSpec.Parser.ParseFrom(r.Resource.Spec.ProtoSpec).Version;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;   // an older node without the resource: the booted slot's version stands in
        }
    }

    private static async Task<List<SlotView>> SlotsAsync(IMachineClient c, CancellationToken ct)
    {
        var slots = new List<SlotView>();
        using var call = c.Resources.List(new ListRequest { Namespace = "runtime", Type = ResourceAliases.BootSlot }, c.Call(ct, TimeSpan.FromSeconds(5)));
        await foreach (var item in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var s = BootSlotSpec.Parser.ParseFrom(item.Resource.Spec.ProtoSpec);
            slots.Add(new SlotView(s.Slot, s.ImageVersion, s.Booted, s.Successful, s.TriesRemaining));
        }
        return slots.OrderBy(s => s.Slot, StringComparer.Ordinal).ToList();
    }

    /// <summary>Boots, confirmations, rollbacks, writes, resets: not the per-phase and per-task progress.</summary>
    private static bool Lifecycle(string kind) =>
        !kind.StartsWith("Task", StringComparison.Ordinal) && !kind.StartsWith("Phase", StringComparison.Ordinal) && !kind.StartsWith("Step", StringComparison.Ordinal);

    /// <summary>
    /// The last <paramref name="count"/> lifecycle events. The Events stream replays the tail and then waits for new
    /// ones: the read stops when the stream ends or stays idle for a moment after the replay.
    /// </summary>
    private static async Task<List<EventView>> EventsAsync(IMachineClient c, int count, CancellationToken ct)
    {
        var seen = new List<EventView>();
        if (count <= 0) return seen;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        using var call = c.Machine.Events(new EventsRequest { TailEvents = EventWindow }, c.Call(cts.Token));
        Task<bool>? pending = null;
        try
        {
            while (true)
            {
                pending = call.ResponseStream.MoveNext(cts.Token);
                if (await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(400), ct)).ConfigureAwait(false) != pending) break;
                if (!await pending.ConfigureAwait(false)) { pending = null; break; }
                pending = null;
                if (DecodedEvent.From(call.ResponseStream.Current) is { Node: not null } e && Lifecycle(e.Source)) seen.Add(new EventView(e.Id, e.Source, e.Message));
            }
            // Idle after the replay: end the call and observe the read it cancels.
            await cts.CancelAsync().ConfigureAwait(false);
            if (pending is not null) await pending.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded && !ct.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        return seen.TakeLast(count).ToList();
    }
}
