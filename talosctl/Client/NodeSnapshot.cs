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
    /// ones, so the newest id is read first (a one-event tail) and the replay is read up to that id: no idle timer that
    /// a loaded machine could trip.
    /// </summary>
    private static async Task<List<EventView>> EventsAsync(IMachineClient c, int count, CancellationToken ct)
    {
        var seen = new List<EventView>();
        if (count <= 0) return seen;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var last = await ReadTailAsync(c, 1, _ => true, cts.Token).ConfigureAwait(false);
            if (last is null) return seen;
            await ReadTailAsync(c, EventWindow, e =>
            {
                if (DecodedEvent.From(e) is { Node: not null } d && Lifecycle(d.Source)) seen.Add(new EventView(d.Id, d.Source, d.Message));
                return e.Id == last;
            }, cts.Token).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded && !ct.IsCancellationRequested)
        {
        }
        return seen.TakeLast(count).ToList();
    }

    /// <summary>Reads a tail until <paramref name="stop"/> says so (then ends the call) or the stream ends; returns the last id read.</summary>
    private static async Task<string?> ReadTailAsync(IMachineClient c, int tail, Func<Api.Machine.Event, bool> stop, CancellationToken ct)
    {
        using var call = c.Machine.Events(new EventsRequest { TailEvents = tail }, c.Call(ct));
        string? last = null;
        while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
        {
            var e = call.ResponseStream.Current;
            if (e.Data?.TypeUrl is not { Length: > 0 }) continue;   // the stream's empty hello
            last = e.Id;
            if (stop(e)) break;
        }
        return last;
    }
}
