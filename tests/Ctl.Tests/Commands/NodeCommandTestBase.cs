using Talos.Ctl.Commands;
using Talos.Ctl.Config;

namespace Talos.Ctl.Tests.Commands;

/// <summary>
/// Two fake nodes (127.0.9.1 and 127.0.9.2 on the same port, like a cluster) behind mutual TLS, a talosconfig whose
/// context points at the first, and an in-process runner capturing stdout/stderr with a fixed clock.
/// </summary>
public abstract class NodeCommandTestBase : IAsyncLifetime
{
    protected static readonly TestPki Pki = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("talosctl-node-").FullName;

    protected FakeNode Node1 { get; private set; } = null!;
    protected FakeNode Node2 { get; private set; } = null!;
    protected string ConfigPath => Path.Combine(_dir, "talosconfig");
    protected string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Now, for "ago" columns: five minutes after the fake node's canned timestamps.</summary>
    protected static readonly DateTimeOffset Now = FakeMachineService.T0.AddMinutes(5);

    public async Task InitializeAsync()
    {
        Node1 = await FakeNode.StartAsync(Pki, "127.0.9.1");
        Node2 = await FakeNode.StartAsync(Pki, "127.0.9.2", Node1.Port);
        WriteConfig(Pki.Context([$"127.0.9.1:{Node1.Port}"], ["127.0.9.1"]));
    }

    public async Task DisposeAsync()
    {
        await Node1.DisposeAsync();
        await Node2.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    protected void WriteConfig(TalosContext ctx)
    {
        var cfg = new TalosConfig { Context = "test" };
        cfg.Contexts["test"] = ctx;
        cfg.Save(ConfigPath);
    }

    /// <summary>The clock commands see (fixed at <see cref="Now"/> unless a test swaps it).</summary>
    protected TimeProvider Clock { get; set; } = new FixedTime(Now);

    protected Task<(int Rc, string Out, string Err)> Run(params string[] args) => Run(false, args);

    /// <summary>Runs as on a terminal (<paramref name="interactive"/>: live widgets) or redirected (plain lines).</summary>
    protected async Task<(int Rc, string Out, string Err)> Run(bool interactive, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliContext(o, e) { Time = Clock, ReconnectDelay = TimeSpan.FromMilliseconds(10), PollInterval = TimeSpan.FromMilliseconds(20), Interactive = interactive };
        var rc = await Cli.RunAsync(["--talosconfig", ConfigPath, .. args], io);
        return (rc, o.ToString().Replace("\r\n", "\n"), e.ToString().Replace("\r\n", "\n"));
    }

    protected static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
