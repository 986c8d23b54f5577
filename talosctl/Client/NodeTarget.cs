namespace Talos.Ctl.Client;

/// <summary>Where one command invocation goes for one node.</summary>
/// <param name="Label">What output calls the node (as the user typed it, without a port).</param>
/// <param name="Dial">host:port the channel connects to.</param>
/// <param name="NodeHeader">Value of the <c>node</c> metadata header, or null.</param>
public sealed record NodeTarget(string Label, string Dial, string? NodeHeader)
{
    /// <summary>
    /// Resolves targets from endpoints and nodes. Upstream dials an endpoint and lets apid proxy to each node named in
    /// the <c>node</c> header; Talos.NET nodes do not proxy (there is no apid), so each node is dialled directly. A node
    /// without a port gets the port of the first endpoint (every node of a cluster serves the API on the same port:
    /// 50000 on real machines, another one in local clusters and tests), else 50000. With no nodes the first endpoint
    /// is the target, as upstream. The <c>node</c> header is still sent so replies carry the node in metadata.
    /// </summary>
    /// <exception cref="Config.TalosConfigException">No target, or an endpoint or node that is not host[:port] (issue 20 item 8).</exception>
    public static IReadOnlyList<NodeTarget> Resolve(IReadOnlyList<string> endpoints, IReadOnlyList<string> nodes)
    {
        foreach (var e in endpoints) Check(e, "endpoint");
        foreach (var n in nodes) Check(n, "node");
        if (nodes.Count == 0)
        {
            if (endpoints.Count == 0) throw new Config.TalosConfigException("no endpoints and no nodes: pass --nodes/-n (and --endpoints/-e) or set them with \"talosctl config endpoint|node\"");
            var e = endpoints[0];
            return [new NodeTarget(HostOf(e), NodeConnection.WithPort(e), null)];
        }
        var port = endpoints.Count > 0 ? PortOf(NodeConnection.WithPort(endpoints[0])) : NodeConnection.DefaultPort;
        return nodes.Distinct(StringComparer.Ordinal)
            .Select(n => HasPort(n) ? new NodeTarget(HostOf(n), n, HostOf(n)) : new NodeTarget(n, $"{n}:{port}", n))
            .ToList();
    }

    /// <summary>host, host:port, [v6] or [v6]:port with a port in 1..65535; anything else is refused before a channel is made.</summary>
    private static void Check(string target, string what)
    {
        var hostPort = NodeConnection.WithPort(target);
        var colon = hostPort.LastIndexOf(':');
        var host = colon > 0 ? hostPort[..colon].Trim('[', ']') : "";
        var ok = colon > 0 && int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535 && Uri.CheckHostName(host) != UriHostNameType.Unknown;
        if (!ok)
            throw new Config.TalosConfigException($"invalid {what} \"{target}\": use an address or host name with an optional port, e.g. 10.5.0.2 or 10.5.0.2:50000");
    }

    private static bool HasPort(string hostPort) => NodeConnection.WithPort(hostPort) == hostPort;

    private static int PortOf(string hostPort) => int.Parse(hostPort[(hostPort.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static string HostOf(string hostPort) => HasPort(hostPort) ? hostPort[..hostPort.LastIndexOf(':')] : hostPort;
}
