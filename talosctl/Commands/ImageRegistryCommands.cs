using System.CommandLine;
using Talos.Upgrade.Images;

namespace Talos.Ctl.Commands;

/// <summary><c>talosctl image push</c> and <c>image list</c>: the local store and registries (OCI distribution API).</summary>
public static class ImageRegistryCommands
{
    /// <summary>
    /// A client for <paramref name="registry"/> as Docker reaches it: loopback registries over plain HTTP (Docker's
    /// default insecure registries), every other one over HTTPS.
    /// </summary>
    public static RegistryClient Client(HttpClient http, string registry) => new(http, RegistryMirrors.Upstream(registry));

    /// <summary>An HTTP client for registry calls (bounded connect and request times, so a dead registry is one clear error).</summary>
    public static HttpClient Http() =>
        new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromMinutes(5) };

    /// <summary><c>image push &lt;image&gt; [&lt;destination&gt;]</c>: blobs, manifest, then the signature if the store has one.</summary>
    public static Command Push(CliContext io, Option<string> store)
    {
        var image = new Argument<string>("image") { Description = "an image in the local store, e.g. ghcr.io/siderolabs/installer:v0.1.2" };
        var destination = new Argument<string?>("destination")
        {
            Description = "where to push it, e.g. 127.0.0.1:5000/siderolabs/installer:v0.1.2 (default: the image's own name)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var cmd = new Command("push", "Push an image (and its cosign signature) from the local store to a registry") { image, destination };
        cmd.SetAction((r, ct) => ImageCommand.Guard(io, async () =>
        {
            var source = ImageCommand.Reference(r.GetValue(image)!, "image");
            var target = r.GetValue(destination) is { } d ? ImageCommand.Reference(d, "destination") : source;
            if (target.Tag is null) throw new Client.UsageException($"destination: \"{target}\" needs a tag to push to");
            var local = new LocalLayoutStore(r.GetValue(store)!);
            using var http = Http();
            var registry = Client(http, target.Registry);
            var digest = await new ImagePusher(local).PushAsync(source, registry, target.Repository, target.Tag, ct);
            var signed = local.ListTags(source).Any(t => t.Tag == CosignSignatures.SignatureTag(digest));
            io.Out.WriteLine($"pushed {source} to {target.WithTag(target.Tag)}@{digest}{(signed ? " (with its signature)" : "")}");
            return 0;
        }));
        return cmd;
    }

    /// <summary><c>image list [repository] [--remote]</c>: tags and digests from the local store or a registry.</summary>
    public static Command List(CliContext io, Option<string> store)
    {
        var repository = new Argument<string?>("repository")
        {
            Description = "only this repository, e.g. ghcr.io/siderolabs/installer (required with --remote)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var remote = new Option<bool>("--remote") { Description = "list the repository's tags from its registry instead of the local store" };
        var cmd = new Command("list", "List images of the local store or of a registry repository") { repository, remote };
        cmd.SetAction((r, ct) => ImageCommand.Guard(io, async () =>
        {
            var repo = r.GetValue(repository) is { } text ? ImageCommand.Reference(text, "repository") : null;
            var rows = r.GetValue(remote)
                ? await RemoteRows(repo ?? throw new Client.UsageException("--remote needs a repository, e.g. 127.0.0.1:5000/siderolabs/installer"), ct)
                : LocalRows(new LocalLayoutStore(r.GetValue(store)!), repo);
            Table.Write(io.Out, ["IMAGE", "TAG", "DIGEST"], rows);
            return 0;
        }));
        return cmd;
    }

    private static List<string[]> LocalRows(LocalLayoutStore store, ImageReference? only)
    {
        if (!Directory.Exists(store.Root)) return [];
        var rows = new List<string[]>();
        foreach (var name in store.ListRepositories())
        {
            var repo = ImageReference.Parse(name + ":latest");
            if (only is not null && repo.Name != only.Name) continue;
            rows.AddRange(store.ListTags(repo).Select(t => new[] { repo.Name, t.Tag, t.Digest }));
        }
        return rows;
    }

    private static async Task<List<string[]>> RemoteRows(ImageReference repo, CancellationToken ct)
    {
        using var http = Http();
        var registry = Client(http, repo.Registry);
        var rows = new List<string[]>();
        foreach (var tag in await registry.ListTagsAsync(repo.Repository, ct))
            rows.Add([repo.Name, tag, (await registry.GetManifestAsync(repo.Repository, tag, ct)).Digest]);
        return rows;
    }
}
