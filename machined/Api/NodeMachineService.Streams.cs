using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Common;
using Talos.Api.Events;
using Talos.Api.Machine;
using Talos.Machined.Services;
using MachineEvent = Talos.Api.Machine.Event;

namespace Talos.Machined.Api;

public sealed partial class NodeMachineService
{
    /// <summary>Service logs (namespace <c>system</c>, id = service): tail_lines &lt;0 all, 0 none, N last N; follow streams new lines.</summary>
    public override async Task Logs(LogsRequest request, IServerStreamWriter<Data> responseStream, ServerCallContext context)
    {
        if (request.Namespace is not ("system" or ""))
            throw new InvalidApiRequestException("namespace", $"\"{request.Namespace}\": only \"system\" (service logs) exists on this node; there are no containers");
        var s = Supervisor(request.Id);
        await StreamRingAsync(s.Find(request.Id)!.Logs, request.TailLines, request.Follow, responseStream, context);
    }

    /// <summary>The kernel ring: everything (or, with <c>tail</c>, only new messages), then new ones with <c>follow</c>.</summary>
    public override Task Dmesg(DmesgRequest request, IServerStreamWriter<Data> responseStream, ServerCallContext context) =>
        StreamRingAsync(node.Kernel.Ring, request.Tail ? 0 : -1, request.Follow, responseStream, context);

    private static async Task StreamRingAsync(LogRing ring, int tail, bool follow, IServerStreamWriter<Data> stream, ServerCallContext context)
    {
        var md = ResponseMetadata.For(context);
        if (!follow)
        {
            foreach (var line in ring.Tail(tail))
                await stream.WriteAsync(Line(md, line), context.CancellationToken);
            return;
        }
        try
        {
            await foreach (var line in ring.FollowAsync(tail, context.CancellationToken))
                await stream.WriteAsync(Line(md, line), context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested) { /* the client hung up: a normal end of follow */ }
    }

    private static Data Line(Talos.Api.Common.Metadata? md, string line) => new() { Metadata = md, Bytes = ByteString.CopyFromUtf8(line + "\n") };

    /// <summary>
    /// The node's events from its META log, so history survives reboots: first an empty "hello" event (upstream), then
    /// the history chosen by tail_events (-1 all, 0 none, N last N) / tail_id (after that id) / tail_seconds, then
    /// every new event until the client cancels. with_actor_id filters. A subscriber that falls behind resumes from the log.
    /// </summary>
    public override async Task Events(EventsRequest request, IServerStreamWriter<MachineEvent> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var md = ResponseMetadata.For(context);
        if (request.AuditRecords)
        {
            await SendAuditRecordsAsync(request, responseStream, md, ct);   // NodeMachineService.Audit.cs (issue #10)
            return;
        }
        var select = HistorySelector(request);
        var reader = node.Journal.Subscribe(out var unsubscribe);
        try
        {
            await responseStream.WriteAsync(new MachineEvent { Metadata = md }, ct);
            var all = node.Journal.ReadAll().ToList();
            ulong last = all.Count == 0 ? 0 : all[^1].Sequence;
            // History goes out without a flush per message (BufferHint), then one flush. Measured: about 2x the events/s of flushing each message (README benchmark table).
            responseStream.WriteOptions = new WriteOptions(WriteFlags.BufferHint);
            foreach (var e in select(all))
                await SendAsync(e);
            responseStream.WriteOptions = null;
            await context.GetHttpContext().Response.BodyWriter.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                NodeEvent e;
                try
                {
                    if (!await reader.WaitToReadAsync(ct)) return;
                    if (!reader.TryRead(out e!)) continue;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
                catch (InvalidOperationException)
                {
                    // Dropped for falling behind: resubscribe first, then catch up from the log (dedup by sequence).
                    unsubscribe();
                    reader = node.Journal.Subscribe(out unsubscribe);
                    foreach (var missed in node.Journal.ReadAll().Where(x => x.Sequence > last))
                    {
                        await SendAsync(missed);
                        last = missed.Sequence;
                    }
                    continue;
                }
                // A maintenance boot's held events are re-published when the new META log takes them: skip repeats.
                if (e.Sequence <= last) continue;
                last = e.Sequence;
                await SendAsync(e);
            }
        }
        finally { unsubscribe(); }

        Task SendAsync(NodeEvent e) => request.WithActorId.Length > 0 && e.ActorId != request.WithActorId
            ? Task.CompletedTask
            : responseStream.WriteAsync(EventMapping.ToApi(e, md), ct);
    }

    /// <summary>Which history events to send; tail_events, tail_id and tail_seconds are mutually exclusive (upstream).</summary>
    private Func<IReadOnlyList<NodeEvent>, IEnumerable<NodeEvent>> HistorySelector(EventsRequest r)
    {
        var set = (r.TailEvents != 0 ? 1 : 0) + (r.TailId.Length > 0 ? 1 : 0) + (r.TailSeconds != 0 ? 1 : 0);
        if (set > 1) throw new InvalidApiRequestException("tail_events", "tail_events, tail_id and tail_seconds are mutually exclusive");
        if (r.TailId.Length > 0)
        {
            if (!ulong.TryParse(r.TailId, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
                throw new InvalidApiRequestException("tail_id", $"\"{r.TailId}\" is not an event id (event ids are decimal META sequence numbers)");
            return all => all.Where(e => e.Sequence > after);
        }
        if (r.TailSeconds < 0) throw new InvalidApiRequestException("tail_seconds", "must not be negative");
        if (r.TailSeconds > 0)
        {
            var since = time.GetUtcNow() - TimeSpan.FromSeconds(r.TailSeconds);
            return all => all.Where(e => e.Time is not null && e.Time.ToDateTimeOffset() >= since);
        }
        if (r.TailEvents < 0) return all => all;
        return all => all.Skip(Math.Max(0, all.Count - r.TailEvents));
    }
}
