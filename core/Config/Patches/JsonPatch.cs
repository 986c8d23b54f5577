using Talos.Core.Config.Yaml;
using Talos.Core.Errors;

namespace Talos.Core.Config;

/// <summary>One RFC 6902 operation.</summary>
/// <param name="Op">add, remove, replace, move, copy or test.</param>
/// <param name="Path">JSON pointer (RFC 6901) into the v1alpha1 document.</param>
/// <param name="Value">Value for add/replace/test.</param>
/// <param name="From">Source pointer for move/copy.</param>
public sealed record JsonPatchOp(string Op, string Path, YNode? Value = null, string From = "");

/// <summary>
/// An RFC 6902 JSON patch applied to the v1alpha1 document (as upstream, which applies JSON patches to the
/// serialized v1alpha1 config). Operations apply in order; the first failure aborts the whole patch with the
/// operation's index and path.
/// </summary>
public sealed class JsonPatch : ConfigPatch
{
    private static readonly string[] Ops = ["add", "remove", "replace", "move", "copy", "test"];

    /// <summary>The operations.</summary>
    public IReadOnlyList<JsonPatchOp> Operations { get; }

    /// <summary>Creates the patch.</summary>
    public JsonPatch(IReadOnlyList<JsonPatchOp> operations) => Operations = operations;

    internal static JsonPatch FromNode(YSeq seq)
    {
        var ops = new List<JsonPatchOp>();
        for (var i = 0; i < seq.Items.Count; i++)
        {
            if (seq.Items[i] is not YMap m)
                throw new ConfigPatchException(i, "", "a JSON patch operation must be an object");
            foreach (var e in m.Entries.Where(e => e.Key is not ("op" or "path" or "value" or "from")))
                throw new ConfigPatchException(i, "", $"unknown field \"{e.Key}\" in JSON patch operation");
            var op = (m.Get("op") as YScalar)?.Value ?? "";
            if (!Ops.Contains(op))
                throw new ConfigPatchException(i, "", $"unknown op \"{op}\" (add, remove, replace, move, copy, test)");
            if (m.Get("path") is not YScalar path)
                throw new ConfigPatchException(i, "", "missing \"path\"");
            var value = m.Get("value");
            if (op is "add" or "replace" or "test" && value is null)
                throw new ConfigPatchException(i, path.Value, $"op \"{op}\" needs a \"value\"");
            var from = (m.Get("from") as YScalar)?.Value ?? "";
            if (op is "move" or "copy" && m.Get("from") is null)
                throw new ConfigPatchException(i, path.Value, $"op \"{op}\" needs a \"from\"");
            ops.Add(new JsonPatchOp(op, path.Value, value, from));
        }
        return new JsonPatch(ops);
    }

    internal override IReadOnlyList<YNode> Apply(IReadOnlyList<YNode> documents, int index)
    {
        var at = documents.ToList().FindIndex(d => d is YMap m && m.Get("kind") is null);
        if (at < 0)
            throw new ConfigPatchException(index, "", "JSON patches apply to the v1alpha1 document, and there is none");
        YNode doc = documents[at];
        for (var i = 0; i < Operations.Count; i++)
            doc = ApplyOp(doc, Operations[i], i);
        var result = documents.ToList();
        result[at] = doc;
        return result;
    }

    /// <summary>Applies one operation to a document tree (public for tests of the patch laws).</summary>
    public static YNode ApplyOp(YNode doc, JsonPatchOp op, int index)
    {
        var path = Pointer.Parse(op.Path, index);
        switch (op.Op)
        {
            case "add":
                return Pointer.Add(doc, path, op.Value!, index, op.Path);
            case "remove":
                return Pointer.Remove(doc, path, index, op.Path);
            case "replace":
                return Pointer.Replace(doc, path, op.Value!, index, op.Path);
            case "move":
                var from = Pointer.Parse(op.From, index);
                if (path.Count > from.Count && path.Take(from.Count).SequenceEqual(from))
                    throw new ConfigPatchException(index, op.Path, $"cannot move \"{op.From}\" into its own child");
                var moved = Pointer.Get(doc, from, index, op.From);
                return Pointer.Add(Pointer.Remove(doc, from, index, op.From), path, moved, index, op.Path);
            case "copy":
                return Pointer.Add(doc, path, Pointer.Get(doc, Pointer.Parse(op.From, index), index, op.From), index, op.Path);
            case "test":
                if (!Pointer.Get(doc, path, index, op.Path).SameAs(op.Value!))
                    throw new ConfigPatchException(index, op.Path, "test failed: value differs");
                return doc;
            default:
                throw new ConfigPatchException(index, op.Path, $"unknown op \"{op.Op}\"");
        }
    }
}
