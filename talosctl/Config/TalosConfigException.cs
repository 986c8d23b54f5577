namespace Talos.Ctl.Config;

/// <summary>The talosconfig is missing, malformed or lacks what a command needs. The message is shown as is.</summary>
public sealed class TalosConfigException(string message) : Exception(message);
