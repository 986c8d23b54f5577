using Talos.Sequencer.Model;

namespace Talos.Sequencer.Requests;

/// <summary>
/// Rebuilds a typed request from the canonical text its <see cref="ISequenceRequest.Describe"/> wrote into
/// SequenceStarted, so boot-time recovery can resume a run without any other stored state. The text is
/// space-separated <c>key=value</c> pairs in a fixed order; lists are <c>[a,b]</c>. Values never contain spaces
/// (image references and device paths do not), which <see cref="TryParse"/> relies on.
/// </summary>
public static class RequestCodec
{
    /// <summary>The request of <paramref name="sequence"/> described by <paramref name="text"/>, or null when it cannot be rebuilt exactly.</summary>
    public static ISequenceRequest? TryParse(string sequence, string text)
    {
        SequenceName name;
        try { name = SequenceNames.Parse(sequence); }
        catch (ArgumentException) { return null; }
        var kv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq <= 0 || !kv.TryAdd(token[..eq], token[(eq + 1)..])) return null;
        }
        ISequenceRequest? request;
        try { request = Build(name, kv); }
        catch (Exception ex) when (ex is KeyNotFoundException or FormatException or ArgumentException) { return null; }
        // Exactness check: anything not round-tripping (unknown keys, odd spacing) is refused rather than guessed.
        return request is not null && request.Sequence == name && request.Describe() == text ? request : null;
    }

    private static ISequenceRequest? Build(SequenceName name, Dictionary<string, string> kv) => name switch
    {
        SequenceName.Boot => new BootRequest(Bool(kv["controlPlane"])),
        SequenceName.Initialize => new InitializeRequest(Bool(kv["agentMode"])),
        SequenceName.Install => new InstallRequest(kv["disk"], kv["image"], Bool(kv["wipe"])),
        SequenceName.Upgrade => new UpgradeRequest(kv["image"], Bool(kv["preserve"]), Bool(kv["stage"]), Bool(kv["force"]), Enum.Parse<RebootMode>(kv["rebootMode"])),
        SequenceName.StageUpgrade when kv.ContainsKey("stage") =>
            new UpgradeRequest(kv["image"], Bool(kv["preserve"]), Bool(kv["stage"]), Bool(kv["force"]), Enum.Parse<RebootMode>(kv["rebootMode"])),
        SequenceName.StageUpgrade => new StageUpgradeRequest(kv["image"], Enum.Parse<RebootMode>(kv["rebootMode"])),
        SequenceName.MaintenanceUpgrade => new MaintenanceUpgradeRequest(kv["image"], Enum.Parse<RebootMode>(kv["rebootMode"])),
        SequenceName.Reset => new ResetRequest(Bool(kv["graceful"]), Bool(kv["reboot"]), List(kv["labels"]), Enum.Parse<WipeMode>(kv["mode"]),
            List(kv["userDisks"]), Bool(kv["controlPlane"])),
        SequenceName.Rollback => new RollbackRequest(),
        SequenceName.Reboot => new RebootRequest(Enum.Parse<RebootMode>(kv["mode"])),
        SequenceName.Shutdown => new ShutdownRequest(Bool(kv["force"])),
        SequenceName.ApplyConfig => new ApplyConfigRequest(Enum.Parse<ApplyMode>(kv["mode"])),
        SequenceName.EmergencyVolumeCleanup => new EmergencyVolumeCleanupRequest(),
        _ => null,
    };

    private static bool Bool(string s) => s switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException($"'{s}' is not true or false"),
    };

    private static string[] List(string s)
    {
        if (s.Length < 2 || s[0] != '[' || s[^1] != ']') throw new FormatException($"'{s}' is not a [list]");
        return s[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries);
    }
}
