using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;

namespace Talos.Ctl.Client;

/// <summary>
/// Keeps .NET from reading the system CA store in commands that only talk to nodes (issue #9, cold start). On Linux,
/// the first TLS handshake loads every certificate under <c>/etc/ssl/certs</c> (60–110 ms), even though node
/// connections trust only the talosconfig's CA (<see cref="NodeConnection"/>). The store's location comes from
/// OpenSSL's <c>SSL_CERT_FILE</c>/<c>SSL_CERT_DIR</c>, read with native <c>getenv</c>:
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach it, libc <c>setenv</c> does.
/// Commands that may need public roots (image push/list to HTTPS registries, audit against a TLS PostgreSQL) are
/// not in <see cref="NodeCommands"/> and keep the system store.
/// </summary>
public static class SystemCaStore
{
    /// <summary>Where the store is pointed: a file and a directory that hold no certificate.</summary>
    public const string EmptyFile = "/dev/null", EmptyDir = "/nonexistent/talosctl-no-system-ca";

    /// <summary>
    /// Top-level commands whose only TLS peers are nodes. Not <c>cluster</c>: it is long-running anyway, and keeping
    /// its environment untouched keeps it out of the question for the machined processes it starts.
    /// </summary>
    public static readonly IReadOnlySet<string> NodeCommands = new HashSet<string>(StringComparer.Ordinal)
    {
        "version", "apply-config", "bootstrap", "upgrade", "rollback", "reset", "reboot", "shutdown", "get", "logs",
        "dmesg", "service", "health", "events", "etcd", "kubeconfig", "upgrade-k8s", "meta", "dashboard",
    };

    /// <summary>True when the parsed command is one of <see cref="NodeCommands"/>.</summary>
    public static bool OnlyTalksToNodes(ParseResult parsed)
    {
        CommandResult? r = parsed.CommandResult;
        while (r?.Parent is CommandResult parent && parent.Parent is not null) r = parent;
        return r is not null && r.Command is not RootCommand && NodeCommands.Contains(r.Command.Name);
    }

    /// <summary>Set to 1 to keep the system store in every command (an escape hatch; the cold-start benchmark's baseline).</summary>
    public const string KeepVariable = "TALOSCTL_SYSTEM_CA_STORE";

    /// <summary>
    /// Points OpenSSL's CA store variables at empty locations when <paramref name="parsed"/> is a node command, on Linux
    /// only, unless <see cref="KeepVariable"/> is 1; must run before the process's first TLS handshake. Returns whether it did.
    /// </summary>
    public static bool SkipForNodeCommands(ParseResult parsed)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(KeepVariable) == "1" || !OnlyTalksToNodes(parsed)) return false;
        return SetEnv("SSL_CERT_FILE", EmptyFile, 1) == 0 & SetEnv("SSL_CERT_DIR", EmptyDir, 1) == 0;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
