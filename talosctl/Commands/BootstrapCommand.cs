using System.CommandLine;
using Google.Protobuf;
using Talos.Api.Common;
using Talos.Api.Machine;
using Talos.Ctl.Client;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl bootstrap [--recover-from snapshot] [--recover-skip-hash-check]</c>: one control-plane node only, as upstream.</summary>
public static class BootstrapCommand
{
    private const int ChunkSize = 1024 * 1024;

    /// <summary>Builds the command.</summary>
    public static Command Build(GlobalOptions g, CliContext io)
    {
        var recoverFrom = new Option<string?>("--recover-from") { Description = "recover etcd cluster from the snapshot" };
        var skipHash = new Option<bool>("--recover-skip-hash-check") { Description = "skip integrity check when recovering etcd (use when recovering from data directory copy)" };
        var cmd = new Command("bootstrap", "Bootstrap the etcd cluster on the specified node") { recoverFrom, skipHash };
        cmd.SetAction(async (r, ct) =>
        {
            var snapshot = r.GetValue(recoverFrom);
            if (snapshot is not null && !File.Exists(snapshot)) throw new UsageException($"snapshot file \"{snapshot}\" does not exist");
            return await NodeOptions.RunAsync(r, g, false, async clients =>
            {
                if (clients.Count != 1) throw new UsageException("command \"bootstrap\" is not supported with multiple nodes: pass one control-plane node with -n");
                return await FanOut.EachAsync(clients, io, async c =>
                {
                    if (snapshot is not null) await Upload(c, snapshot, io, ct);
                    await c.Machine.BootstrapAsync(new BootstrapRequest { RecoverEtcd = snapshot is not null, RecoverSkipHashCheck = r.GetValue(skipHash) }, c.Call(ct));
                    return 0;
                });
            });
        });
        return cmd;
    }

    private static async Task Upload(IMachineClient c, string path, CliContext io, CancellationToken ct)
    {
        using var call = c.Machine.EtcdRecover(c.Call(ct));
        await using var file = File.OpenRead(path);
        var buffer = new byte[ChunkSize];
        int n;
        while ((n = await file.ReadAsync(buffer, ct)) > 0)
            await call.RequestStream.WriteAsync(new Data { Bytes = ByteString.CopyFrom(buffer, 0, n) }, ct);
        await call.RequestStream.CompleteAsync();
        await call;
        io.Out.WriteLine($"recovering from snapshot \"{path}\": snapshot uploaded ({file.Length} bytes)");
    }
}
