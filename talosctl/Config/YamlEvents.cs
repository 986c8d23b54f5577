using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Talos.Ctl.Config;

/// <summary>
/// Writes YAML through YamlDotNet's event emitter, as its reflection serializer would for plain string/int/list/map
/// shapes, without the serializer's reflection (Native AOT, issue #9): the same scalar events the serializer sends to
/// the emitter (tags, implicit flags, style), so the emitter makes the same quoting and folding choices.
/// </summary>
internal sealed class YamlEvents
{
    private readonly IEmitter _emitter;

    private YamlEvents(IEmitter emitter) => _emitter = emitter;

    /// <summary>Emits one document whose root mapping <paramref name="body"/> fills; returns the text.</summary>
    public static string Document(bool indentSequences, Action<YamlEvents> body)
    {
        var text = new StringWriter();
        var settings = indentSequences ? EmitterSettings.Default.WithIndentedSequences() : EmitterSettings.Default;
        var w = new YamlEvents(new Emitter(text, settings));
        w._emitter.Emit(new StreamStart());
        w._emitter.Emit(new DocumentStart());
        w.Map(() => body(w));
        w._emitter.Emit(new DocumentEnd(isImplicit: true));
        w._emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    /// <summary>A block mapping whose entries <paramref name="entries"/> emits.</summary>
    public void Map(Action entries)
    {
        _emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Any));
        entries();
        _emitter.Emit(new MappingEnd());
    }

    /// <summary>A key whose value follows (a mapping or sequence written by the caller).</summary>
    public void Key(string key) => String(key);

    /// <summary><c>key: value</c> for a string.</summary>
    public void Entry(string key, string value)
    {
        String(key);
        String(value);
    }

    /// <summary><c>key: value</c> for an integer (an untagged plain scalar, as the serializer writes numbers).</summary>
    public void Entry(string key, long value)
    {
        String(key);
        _emitter.Emit(new Scalar(AnchorName.Empty, IntTag, value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: false));
    }

    /// <summary><c>key:</c> followed by a block sequence of strings.</summary>
    public void Entry(string key, IEnumerable<string> values) => Entry(key, values, String);

    /// <summary><c>key:</c> followed by a block sequence whose items <paramref name="item"/> writes.</summary>
    public void Entry<T>(string key, IEnumerable<T> values, Action<T> item)
    {
        String(key);
        _emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Any));
        foreach (var v in values) item(v);
        _emitter.Emit(new SequenceEnd());
    }

    /// <summary>A string scalar, as the serializer's event for a string property: tagged !!str, plain-implicit, style left to the emitter.</summary>
    private void String(string value) =>
        _emitter.Emit(new Scalar(AnchorName.Empty, StrTag, value, ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: false));

    private static readonly TagName StrTag = new("tag:yaml.org,2002:str"), IntTag = new("tag:yaml.org,2002:int");
}
