using System.CommandLine;
using Talos.Core.Pki;
using Talos.Ctl.Commands;

namespace Talos.Ctl.Tests.Gen;

/// <summary>A clock stuck at one instant, so certificate validity periods are fixed.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Runs <c>talosctl gen ...</c> in-process with a seeded random source and a fixed clock.</summary>
internal sealed class GenHarness : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("talosctl-gen-").FullName;

    public string PathOf(string name) => Path.Combine(Dir, name);

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    public static PkiContext Pki(long seed) => PkiContext.Seeded(seed, new FixedTime(FixedTime.Epoch));

    public async Task<(int Rc, string Out, string Err)> Run(long seed, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliContext(o, e);
        var g = new GlobalOptions();
        var root = new RootCommand("test");
        g.AddTo(root);
        root.Subcommands.Add(GenCommand.Build(g, io, () => Pki(seed)));
        var rc = await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync(new InvocationConfiguration { Output = o, Error = e, EnableDefaultExceptionHandler = false });
        return (rc, o.ToString(), e.ToString());
    }

    /// <summary>Every file under the directory with its bytes, to prove that a failed command changed nothing.</summary>
    public SortedDictionary<string, string> Snapshot() => new(
        Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(Dir, f), File.ReadAllText),
        StringComparer.Ordinal);
}
