using Talos.Api.Events;
using Talos.Sequencer.Model;
using Talos.Sequencer.Recovery;
using Talos.Sequencer.Requests;

namespace Talos.Machined.Runtime;

/// <summary>
/// Rebuilds the typed request of an interrupted sequence from the description recorded in its SequenceStarted
/// event (<c>ISequenceRequest.Describe()</c>: space-separated key=value pairs), so recovery can resume it.
/// Unknown or unparsable descriptions give null: recovery then compensates or abandons the open steps.
/// </summary>
public static class RequestParser
{
    /// <summary>The request of <paramref name="s"/>, or null.</summary>
    public static ISequenceRequest? Resolve(InterruptedSequence s)
    {
        var kv = Pairs(s.Request);
        string Get(string k) => kv.GetValueOrDefault(k, "");
        bool Flag(string k) => Get(k) == "true";
        try
        {
            return SequenceNames.Parse(s.Sequence) switch
            {
                SequenceName.Boot => new BootRequest(Flag("controlPlane")),
                SequenceName.Install => new InstallRequest(Get("disk"), Get("image"), Flag("wipe")),
                SequenceName.Upgrade => new UpgradeRequest(Get("image"), Flag("preserve"), false, Flag("force"), Enum.Parse<RebootMode>(Get("rebootMode"))),
                SequenceName.StageUpgrade => new StageUpgradeRequest(Get("image"), Enum.Parse<RebootMode>(Get("rebootMode")), Flag("preserve")),
                SequenceName.Reset => new ResetRequest(Flag("graceful"), Flag("reboot"), List(Get("labels")), Enum.Parse<WipeMode>(Get("mode")), List(Get("userDisks")), Flag("controlPlane")),
                SequenceName.Rollback => new RollbackRequest(),
                SequenceName.Reboot => new RebootRequest(Enum.Parse<RebootMode>(Get("mode"))),
                SequenceName.Shutdown => new ShutdownRequest(Flag("force")),
                SequenceName.ApplyConfig => new ApplyConfigRequest(Enum.Parse<Talos.Sequencer.Requests.ApplyMode>(Get("mode"))),
                _ => null,
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> Pairs(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var i = part.IndexOf('=');
            if (i > 0) d[part[..i]] = part[(i + 1)..];
        }
        return d;
    }

    private static IReadOnlyList<string>? List(string bracketed)
    {
        var inner = bracketed.Trim('[', ']');
        return inner.Length == 0 ? null : inner.Split(',', StringSplitOptions.RemoveEmptyEntries);
    }
}
