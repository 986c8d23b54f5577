namespace Talos.Ctl.Client;

/// <summary>Bad input found before any node was contacted (a missing file, a malformed patch or key). Shown as one line, exit 1.</summary>
public sealed class UsageException(string message) : Exception(message);
