using System.CommandLine;
using System.Globalization;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl etcd members | snapshot &lt;file&gt; | remove-member &lt;id&gt; | leave | forfeit-leadership</c>.</summary>
public static class EtcdCommand
{
    /// <summary>Builds the command tree.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("etcd", "Manage etcd");
        cmd.Subcommands.Add(Members(g, io));
        cmd.Subcommands.Add(Snapshot(g, io));
        cmd.Subcommands.Add(RemoveMember(g, io));
        cmd.Subcommands.Add(Leave(g, io));
        cmd.Subcommands.Add(ForfeitLeadership(g, io));
        return cmd;
    }

    /// <summary>
    /// Upstream's second line, read from the snapshot's header (specs/formats/etcd-data.md: revision at offset 16, key
    /// count at 44; the hash shown is the first 4 bytes of the SHA-256 trailer). Null for anything else.
    /// </summary>
    internal static string? SnapshotInfo(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 48 + 32 || !bytes.AsSpan(0, 4).SequenceEqual("TNED"u8)) return null;
        var revision = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(16));
        var keys = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(44));
        var hash = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(bytes.Length - 32));
        return $"snapshot info: hash {hash:x8}, revision {revision}, total keys {keys}, total size {bytes.Length}";
    }

    /// <summary><c>etcd remove-member &lt;member ID&gt;</c>: the id in hex as <c>etcd members</c> prints it (upstream parses base 16).</summary>
    private static Command RemoveMember(GlobalOptions g, CliContext io)
    {
        var id = new Argument<string>("member ID") { Description = "the member id (hex) from talosctl etcd members" };
        var cmd = new Command("remove-member", "Remove the node from etcd cluster") { id };
        cmd.SetAction((r, ct) =>
        {
            var text = r.GetValue(id)!;
            if (!ulong.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var memberId) || memberId == 0)
                throw new UsageException($"failed to parse member ID \"{text}\": expected the hex id shown by \"talosctl etcd members\"");
            return NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
            {
                await c.Machine.EtcdRemoveMemberByIDAsync(new EtcdRemoveMemberByIDRequest { MemberId = memberId }, c.Call(ct));
                return 0;
            }));
        });
        return cmd;
    }

    /// <summary><c>etcd leave</c>: the node leaves the cluster (silent on success, as upstream).</summary>
    private static Command Leave(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("leave", "Tell nodes to leave etcd cluster");
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
        {
            await c.Machine.EtcdLeaveClusterAsync(new EtcdLeaveClusterRequest(), c.Call(ct));
            return 0;
        })));
        return cmd;
    }

    /// <summary><c>etcd forfeit-leadership</c>: prints where leadership moved when the node led.</summary>
    private static Command ForfeitLeadership(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("forfeit-leadership", "Tell node to forfeit etcd cluster leadership");
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, clients => FanOut.EachAsync(clients, io, async c =>
        {
            var reply = await c.Machine.EtcdForfeitLeadershipAsync(new EtcdForfeitLeadershipRequest(), c.Call(ct));
            foreach (var m in reply.Messages.Where(m => m.Member.Length > 0))
                io.Out.WriteLine($"Moved leadership to {m.Member}");
            return 0;
        })));
        return cmd;
    }

    private static Command Members(GlobalOptions g, CliContext io)
    {
        var cmd = new Command("members", "Get the list of etcd cluster members");
        cmd.Aliases.Add("member");
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, async clients =>
        {
            var (rows, rc) = await FanOut.CollectAsync(clients, io, async c =>
            {
                var reply = await c.Machine.EtcdMemberListAsync(new EtcdMemberListRequest(), c.Call(ct));
                return reply.Messages.SelectMany(m => m.Members).Select(m => new[]
                {
                    c.Node, m.Id.ToString("x", CultureInfo.InvariantCulture), m.Hostname, string.Join(",", m.PeerUrls), string.Join(",", m.ClientUrls), m.IsLearner ? "true" : "false",
                });
            });
            if (rows.Count > 0 || rc == 0) Table.Write(io.Out, ["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"], rows);
            return rc;
        }));
        return cmd;
    }

    private static Command Snapshot(GlobalOptions g, CliContext io)
    {
        var path = new Argument<string>("path") { Description = "where to write the snapshot" };
        var cmd = new Command("snapshot", "Stream snapshot of the etcd node to the path") { path };
        cmd.SetAction((r, ct) => NodeOptions.RunAsync(r, g, false, async clients =>
        {
            if (clients.Count != 1) throw new UsageException("command \"etcd snapshot\" is not supported with multiple nodes: pass one control-plane node with -n");
            var dest = r.GetValue(path)!;
            return await FanOut.EachAsync(clients, io, async c =>
            {
                // Written to a temp file and renamed, so a failed download never leaves a truncated snapshot under the name.
                var partial = dest + ".part";
                long size = 0;
                try
                {
                    await using (var f = File.Create(partial))
                    {
                        using var call = c.Machine.EtcdSnapshot(new EtcdSnapshotRequest(), c.Call(ct));
                        while (await call.ResponseStream.MoveNext(ct))
                        {
                            var chunk = call.ResponseStream.Current.Bytes.Memory;
                            await f.WriteAsync(chunk, ct);
                            size += chunk.Length;
                        }
                        await f.FlushAsync(ct);
                        f.Flush(flushToDisk: true);
                    }
                    File.Move(partial, dest, overwrite: true);
                }
                finally
                {
                    File.Delete(partial);
                }
                io.Out.WriteLine($"etcd snapshot saved to \"{dest}\" ({size} bytes)");
                if (SnapshotInfo(dest) is { } info) io.Out.WriteLine(info);
                return 0;
            });
        }));
        return cmd;
    }
}
