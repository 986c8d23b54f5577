using System.CommandLine;
using Org.BouncyCastle.Security;
using Talos.Core.Errors;
using Talos.Core.Pki;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl gen config|secrets</c>: offline generation of cluster secrets and machine configs.</summary>
public static class GenCommand
{
    /// <summary>
    /// Builds the command tree. <paramref name="pki"/> supplies the random source and clock (tests pass a seeded
    /// one); the default is the OS random source and the system clock — this is the composition root.
    /// </summary>
    public static Command Build(GlobalOptions g, CliContext io, Func<PkiContext>? pki = null)
    {
        ArgumentNullException.ThrowIfNull(io);
        var source = pki ?? (() => new PkiContext(TimeProvider.System, new SecureRandom()));
        var cmd = new Command("gen", "Generate CAs, certificates, and private keys");
        cmd.Subcommands.Add(GenConfigCommand.Build(io, source));
        cmd.Subcommands.Add(GenSecretsCommand.Build(io, source));
        return cmd;
    }

    /// <summary>Runs <paramref name="action"/>; a known failure becomes one <c>error:</c> line and exit code 1.</summary>
    internal static int Guard(CliContext io, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (TalosException e)
        {
            io.Err.WriteLine($"error: {e.Message.TrimEnd()}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            io.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
