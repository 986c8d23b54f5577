using System.CommandLine;
using Talos.Ctl.Commands;
using Talos.Ctl.Config;

namespace Talos.Ctl.Client;

/// <summary>The clients of one command invocation, one per target node, disposed together.</summary>
public sealed class MachineClients : IDisposable
{
    private MachineClients(IReadOnlyList<IMachineClient> all) => All = all;

    /// <summary>Clients in the order the nodes were given.</summary>
    public IReadOnlyList<IMachineClient> All { get; }

    /// <summary>
    /// Opens one client per target from the global flags and the talosconfig. With <paramref name="insecure"/>
    /// (maintenance mode) the talosconfig is optional: <c>-n</c>/<c>-e</c> suffice and no client certificate is used.
    /// <paramref name="nodes"/> replaces <c>-n</c> when a command names its nodes itself (<c>health --control-plane-nodes</c>).
    /// </summary>
    /// <exception cref="TalosConfigException">The talosconfig is missing or lacks endpoints/certificates.</exception>
    public static MachineClients Open(ParseResult r, GlobalOptions g, bool insecure, IReadOnlyList<byte[]>? pins = null, IReadOnlyList<string>? nodes = null)
    {
        var endpoints = GlobalOptions.Split(r.GetValue(g.Endpoints));
        nodes ??= GlobalOptions.Split(r.GetValue(g.Nodes));
        TalosContext? ctx = null;
        var path = g.ConfigPath(r);
        if (!insecure || File.Exists(path) || (endpoints.Count == 0 && nodes.Count == 0))
        {
            ctx = TalosConfig.Load(path).Resolve(r.GetValue(g.Context), out _);
            if (endpoints.Count == 0) endpoints = ctx.Endpoints;
            if (nodes.Count == 0) nodes = ctx.Nodes;
        }
        // Upstream --insecure talks to the nodes directly; they are their own endpoints.
        if (insecure && endpoints.Count == 0) endpoints = nodes;
        var targets = NodeTarget.Resolve(endpoints, nodes);
        var clients = new List<IMachineClient>();
        try
        {
            foreach (var t in targets)
            {
                var conn = insecure ? NodeConnection.Insecure(t.Dial, pins) : NodeConnection.Secure(t.Dial, ctx!);
                clients.Add(new GrpcMachineClient(t.Label, conn, t.NodeHeader, insecure));
            }
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
        {
            foreach (var c in clients) c.Dispose();
            throw new TalosConfigException($"the talosconfig context's ca/crt/key are not valid base64-encoded PEM ({e.Message}): regenerate it with \"talosctl gen config\"");
        }
        catch
        {
            foreach (var c in clients) c.Dispose();
            throw;
        }
        return new MachineClients(clients);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var c in All) c.Dispose();
    }
}
