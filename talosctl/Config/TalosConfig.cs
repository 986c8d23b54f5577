using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Talos.Ctl.Config;

/// <summary>
/// The client configuration file (upstream's talosconfig): the current context and named contexts holding
/// endpoints, default nodes and the client's PKI (base64 of PEM, as upstream). Lookup order: <c>--talosconfig</c>,
/// <c>$TALOSCONFIG</c>, <c>$TALOS_HOME/config</c>, <c>~/.talos/config</c>.
/// </summary>
public sealed class TalosConfig
{
    /// <summary>Name of the current context.</summary>
    [YamlMember(Alias = "context", Order = 0)]
    public string? Context { get; set; }

    /// <summary>Contexts by name (written sorted by name).</summary>
    [YamlMember(Alias = "contexts", Order = 1)]
    public SortedDictionary<string, TalosContext> Contexts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The default path when no flag or variable names one.</summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("TALOSCONFIG") is { Length: > 0 } p) return p;
        if (Environment.GetEnvironmentVariable("TALOS_HOME") is { Length: > 0 } home) return Path.Combine(home, "config");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".talos", "config");
    }

    /// <summary>Parses a talosconfig; a malformed file gets an error naming the file and the line.</summary>
    public static TalosConfig Parse(string yaml, string source)
    {
        try
        {
            var cfg = TalosConfigReader.Read(yaml);
            cfg.Contexts ??= new SortedDictionary<string, TalosContext>(StringComparer.Ordinal);
            foreach (var (name, ctx) in cfg.Contexts)
            {
                if (ctx is null) throw new TalosConfigException($"{source}: context \"{name}\" is empty");
                // Upstream's deprecated single "target" becomes the endpoint list.
                if (ctx.Endpoints.Count == 0 && !string.IsNullOrEmpty(ctx.Target)) ctx.Endpoints.Add(ctx.Target);
                ctx.Target = null;
            }
            return cfg;
        }
        catch (YamlException e)
        {
            throw new TalosConfigException($"{source}: invalid talosconfig at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
    }

    /// <summary>Loads the file at <paramref name="path"/>; a missing file gets the upstream-style hint.</summary>
    public static TalosConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new TalosConfigException($"failed to open config file \"{path}\": no such file (create one with \"talosctl gen config\" or pass --talosconfig)");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Loads the file if it exists, else returns an empty config (for commands that create contexts).</summary>
    public static TalosConfig LoadOrEmpty(string path) => File.Exists(path) ? Load(path) : new TalosConfig();

    /// <summary>Serialises to YAML (contexts sorted by name: deterministic output).</summary>
    public string ToYaml() => YamlEvents.Document(indentSequences: true, w =>
    {
        // The shape the reflection serializer wrote (NullNamingConvention, OmitNull | OmitEmptyCollections, indented
        // sequences), written through the event emitter so that Native AOT needs no reflection (issue #9).
        if (Context is { Length: > 0 }) w.Entry("context", Context);
        if (Contexts.Count == 0) return;
        w.Key("contexts");
        w.Map(() =>
        {
            foreach (var (name, ctx) in Contexts)
            {
                w.Key(name);
                w.Map(() => ctx.Write(w));
            }
        });
    });

    /// <summary>Writes atomically (temp file + rename), creating the directory, mode 0600.</summary>
    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, ToYaml());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The named context, or the current one; a clear error when there is none.</summary>
    public TalosContext Resolve(string? name, out string resolvedName)
    {
        resolvedName = name ?? Context ?? throw new TalosConfigException("no context is set in the talosconfig: use \"talosctl config context <name>\" or --context");
        if (!Contexts.TryGetValue(resolvedName, out var ctx))
            throw new TalosConfigException($"context \"{resolvedName}\" is not defined in the talosconfig (known: {string.Join(", ", Contexts.Keys)})");
        return ctx;
    }

    /// <summary>
    /// Merges <paramref name="other"/> into this config as upstream does: a context whose name is taken gets a
    /// numeric suffix (<c>name-1</c>, <c>name-2</c>, ...). The current context becomes the merged one's.
    /// Returns the renames made.
    /// </summary>
    public IReadOnlyList<(string From, string To)> Merge(TalosConfig other)
    {
        var renames = new List<(string, string)>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, ctx) in other.Contexts)
        {
            var target = name;
            for (var i = 1; Contexts.ContainsKey(target); i++) target = $"{name}-{i}";
            if (target != name) renames.Add((name, target));
            Contexts[target] = ctx;
            map[name] = target;
        }
        if (other.Context is not null && map.TryGetValue(other.Context, out var cur)) Context = cur;
        return renames;
    }
}

/// <summary>One talosconfig context.</summary>
public sealed class TalosContext
{
    /// <summary>Deprecated upstream field, upgraded to <see cref="Endpoints"/> on load.</summary>
    [YamlMember(Alias = "target", Order = 0)]
    public string? Target { get; set; }

    /// <summary>Where the client connects (host or host:port; port defaults to 50000).</summary>
    [YamlMember(Alias = "endpoints", Order = 1)]
    public List<string> Endpoints { get; set; } = new();

    /// <summary>Default target nodes (sent as the <c>node</c> metadata header).</summary>
    [YamlMember(Alias = "nodes", Order = 2)]
    public List<string> Nodes { get; set; } = new();

    /// <summary>Base64 of the PEM OS CA certificate.</summary>
    [YamlMember(Alias = "ca", Order = 3)]
    public string? Ca { get; set; }

    /// <summary>Base64 of the PEM client certificate.</summary>
    [YamlMember(Alias = "crt", Order = 4)]
    public string? Crt { get; set; }

    /// <summary>Base64 of the PEM client key.</summary>
    [YamlMember(Alias = "key", Order = 5)]
    public string? Key { get; set; }

    /// <summary>The cluster this context belongs to (informational).</summary>
    [YamlMember(Alias = "cluster", Order = 6)]
    public string? Cluster { get; set; }

    /// <summary>
    /// The context's fields in declaration order; nulls, empty lists and empty strings left out (the serializer's
    /// OmitEmptyCollections counted a string as a collection of chars).
    /// </summary>
    internal void Write(YamlEvents w)
    {
        if (Target is { Length: > 0 }) w.Entry("target", Target);
        if (Endpoints.Count > 0) w.Entry("endpoints", Endpoints);
        if (Nodes.Count > 0) w.Entry("nodes", Nodes);
        if (Ca is { Length: > 0 }) w.Entry("ca", Ca);
        if (Crt is { Length: > 0 }) w.Entry("crt", Crt);
        if (Key is { Length: > 0 }) w.Entry("key", Key);
        if (Cluster is { Length: > 0 }) w.Entry("cluster", Cluster);
    }
}
